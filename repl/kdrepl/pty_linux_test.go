//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyProc is kdrepl running on a pseudo-terminal, driven like a user at a
// terminal: the test writes keystrokes to the master side and reads what
// the terminal would show. It answers readline's cursor-position queries
// as a terminal emulator would.
type ptyProc struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	seen   int // output before seen is consumed by expect
	done   chan struct{}
}

func startPTY(t *testing.T, args ...string) *ptyProc {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 250}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KDREPL_TEST_MAIN=1", "TERM=xterm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &ptyProc{t: t, master: master, cmd: cmd, done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.master.Close()
		<-p.done
	})
	return p
}

// read copies the terminal's output and answers "ESC [6n" (where is the
// cursor?) with "ESC [1;1R".
func (p *ptyProc) read() {
	defer close(p.done)
	buf := make([]byte, 4096)
	answered := 0
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.out.Write(buf[:n])
		queries := bytes.Count(p.out.Bytes(), []byte("\x1b[6n"))
		p.mu.Unlock()
		for ; answered < queries; answered++ {
			p.master.Write([]byte("\x1b[1;1R"))
		}
		if err != nil {
			return
		}
	}
}

// send types keys.
func (p *ptyProc) send(keys string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(keys)); err != nil {
		p.t.Fatalf("write %q: %v", keys, err)
	}
}

// expect waits until the output after the last match matches re, and
// consumes it up to the end of the match.
func (p *ptyProc) expect(re string) string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		rest := p.out.Bytes()[p.seen:]
		if loc := rx.FindIndex(rest); loc != nil {
			m := string(rest[loc[0]:loc[1]])
			p.seen += loc[1]
			p.mu.Unlock()
			return m
		}
		p.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t.Fatalf("no %q in the terminal output after the last match:\n%q", re, p.out.Bytes()[p.seen:])
	return ""
}

// prompt waits for the next prompt. Keys are sent only at a prompt:
// typed ahead while a command runs, they would reach a terminal in cooked
// mode (where Ctrl-D is not a key but an end-of-file marker).
func (p *ptyProc) prompt() {
	p.t.Helper()
	p.expect(`kdrepl> `)
}

// wait waits for the process to exit and returns its status.
func (p *ptyProc) wait() int {
	p.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- p.cmd.Wait() }()
	select {
	case err := <-errc:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		p.t.Fatalf("kdrepl did not exit; output:\n%q", p.out.Bytes())
	}
	return -1
}

// TestTerminalCompletionAndHistory types at a real (pseudo-)terminal:
// Tab completes a command and an option value, Ctrl-C at the prompt
// clears the line, Ctrl-D exits, and the history written by one session
// is recalled with the up arrow in the next.
func TestTerminalCompletionAndHistory(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "sub", "history")
	p := startPTY(t, "-q", "-history", hist)
	p.expect(`kdrepl — kdrec research shell`)
	p.prompt()
	p.send("se\t")
	p.expect(`set $`) // "se" + Tab completed to "set "
	p.send("seed=7\r")
	p.expect(`[\n\x08]seed=7\r?\n`)
	p.prompt()
	p.send("set progress=l\t")
	p.expect(`progress=lines $`)
	p.send("\r")
	p.expect(`[\n\x08]progress=lines\r?\n`)
	p.prompt()
	p.send("show nothing-to-see\x03") // Ctrl-C at the prompt discards the line
	p.expect(`\^C`)
	p.prompt()
	p.send("trian\r")
	p.expect(`error: unknown command "trian" \(did you mean train\?\)`)
	p.prompt()
	p.send("\x04") // Ctrl-D
	if code := p.wait(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	b, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "set seed=7\nset progress=lines\ntrian\n" {
		t.Errorf("history file %q", b)
	}

	p = startPTY(t, "-q", "-history", hist)
	p.prompt()
	p.send("\x1b[A\x1b[A\x1b[A\r") // up three times: "set seed=7"
	p.expect(`[\n\x08]seed=7\r?\n`)
	p.prompt()
	p.send("exit\r")
	if code := p.wait(); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

// TestTerminalInterrupt starts a long training run at the terminal, presses
// Ctrl-C in its second epoch and checks that the command stops, that the
// shell keeps running with the model of the last completed epoch, and
// that it still evaluates.
func TestTerminalInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("loads citeulike-t")
	}
	p := startPTY(t, "-history", "")
	p.prompt()
	p.send("load citeulike-t; split loo candidates=0; train t bpr dim=4 epochs=1000 eval-every=0 batch=4096\r")
	p.expect(`epoch 2`) // the progress bar reached the second epoch
	p.send("\x03")
	m := p.expect(`train t: interrupted after \d+ of 1000 epochs; t keeps the parameters of epoch \d+`)
	p.prompt()
	p.send("show t\r")
	p.expect(`t \(model\): bpr dim=4 epochs=1000 eval-every=0 batch=4096 on loo, stopped after \d+ of 1000 epochs`)
	p.prompt()
	p.send("eval t full part=valid\r")
	p.expect(`t on loo: full/valid 5219 users: Recall@10 0\.\d+`)
	p.prompt()
	p.send("\x04")
	if code := p.wait(); code != 0 {
		t.Errorf("exit status %d", code)
	}
	t.Log(m)
}

package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress draws a one-line progress bar, redrawn in place with a carriage
// return on a terminal. When Plain is set (output is a file or a pipe) it
// prints a line only every tenth of the way, so logs stay short. A nil
// *Progress does nothing, which is how quiet mode is spelled.
type Progress struct {
	w       io.Writer
	label   string
	total   int
	done    int
	base    int // steps done before the bar started (Resume)
	status  string
	start   time.Time
	last    time.Time
	plain   bool
	lastPct int
	mu      sync.Mutex
}

// NewProgress starts a bar for total steps. plain selects line-per-10%
// output instead of in-place redraws.
func NewProgress(w io.Writer, label string, total int, plain bool) *Progress {
	p := &Progress{w: w, label: label, total: max(total, 1), start: time.Now(), plain: plain, lastPct: -1}
	p.draw(true)
	return p
}

// Set moves the bar to step done with a short status text (e.g. a loss).
func (p *Progress) Set(done int, status string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.status = min(done, p.total), status
	p.draw(false)
}

// Resume marks the first done steps as completed before the bar started
// (a run resumed from a checkpoint): the bar starts there, and the time
// estimate counts only the steps done since.
func (p *Progress) Resume(done int, status string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.base, p.status = min(done, p.total), min(done, p.total), status
	p.draw(true)
}

// SetTotal changes the number of steps (early stopping shortens a run).
func (p *Progress) SetTotal(total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.total = max(total, 1)
	p.mu.Unlock()
}

// Done draws the final state and ends the line.
func (p *Progress) Done(status string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.status = p.total, status
	p.draw(true)
	if !p.plain {
		fmt.Fprintln(p.w)
	}
}

// Stop draws the bar where it stands — an interrupted or failed run did
// not reach the end, so it is not drawn at 100 % — with a final status,
// and ends the line.
func (p *Progress) Stop(status string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = status
	p.draw(true)
	if !p.plain {
		fmt.Fprintln(p.w)
	}
}

func (p *Progress) draw(force bool) {
	now := time.Now()
	pct := 100 * p.done / p.total
	if p.plain {
		if !force && pct/10 == p.lastPct/10 {
			return
		}
		p.lastPct = pct
		fmt.Fprintf(p.w, "%s %3d%% (%d/%d) %s %s\n", p.label, pct, p.done, p.total, elapsed(now.Sub(p.start)), p.status)
		return
	}
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	fill := width * p.done / p.total
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	eta := ""
	if p.done > p.base && p.done < p.total {
		rem := time.Duration(float64(now.Sub(p.start)) * float64(p.total-p.done) / float64(p.done-p.base))
		eta = " eta " + elapsed(rem)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s %s %3d%% %d/%d %s%s %s", p.label, bar, pct, p.done, p.total, elapsed(now.Sub(p.start)), eta, p.status)
}

func elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

package repl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Completer completes the statement being typed: command and sub-command
// names, positional arguments (data set names, model kinds, workspace
// objects, files), option names and option values. Its Do method has the
// signature of readline's AutoCompleter.
type Completer struct {
	sh *Shell
}

// Completer returns the shell's tab completer.
func (sh *Shell) Completer() *Completer { return &Completer{sh: sh} }

// Do returns the completions of the word before pos in line, as the
// suffixes to insert, and the length (in runes) of the part already typed.
func (c *Completer) Do(line []rune, pos int) ([][]rune, int) {
	pos = max(0, min(pos, len(line)))
	cands, partial := c.sh.Complete(string(line[:pos]))
	var out [][]rune
	for _, s := range cands {
		if strings.HasPrefix(s, partial) {
			out = append(out, []rune(s[len(partial):]))
		}
	}
	return out, len([]rune(partial))
}

// Complete returns the candidates for the word at the end of text (each a
// whole word, followed by a blank unless it ends in '=' or '/'), sorted,
// and that word as typed so far. Candidates need not start with it; Do
// filters them.
func (sh *Shell) Complete(text string) (cands []string, partial string) {
	defer func() {
		if recover() != nil { // completion must never take the shell down
			cands, partial = nil, ""
		}
	}()
	sts, _ := scan(text)
	words := sts[len(sts)-1].Words
	switch {
	case len(words) > 0 && words[len(words)-1].Pos+len(words[len(words)-1].Text) == len(text) &&
		text[words[len(words)-1].Pos:] == words[len(words)-1].Text:
		partial = words[len(words)-1].Text
		words = words[:len(words)-1]
	case text == "" || isBlank(text[len(text)-1]) || text[len(text)-1] == ';':
	default:
		return nil, "" // inside quotes or after a comment
	}
	out := sh.candidates(words, partial)
	for k, s := range out {
		if !strings.HasSuffix(s, "=") && !strings.HasSuffix(s, "/") {
			out[k] = s + " "
		}
	}
	slices.Sort(out)
	return slices.Compact(out), partial
}

// candidates returns the completions (without trailing blanks) of partial
// after the complete words of a statement.
func (sh *Shell) candidates(words []Word, partial string) []string {
	if len(words) == 0 {
		var out []string
		for _, c := range commands() {
			out = append(out, c.Name)
			out = append(out, c.Aliases...)
		}
		return out
	}
	cmd := findCommand(commands(), words[0].Text)
	if cmd == nil {
		return nil
	}
	var args []string
	given := map[string]bool{}
	for _, w := range words[1:] {
		if w.IsOption() {
			given[w.Key()] = true
		} else {
			args = append(args, w.Text)
		}
	}
	if len(cmd.Subs) > 0 {
		if len(args) == 0 {
			return commandNames(cmd.Subs)
		}
		if cmd = findCommand(cmd.Subs, args[0]); cmd == nil {
			return nil
		}
		args = args[1:]
	}
	var schema []Option
	if cmd.Options != nil {
		schema, _ = cmd.Options(sh, args)
	}
	if eq := strings.IndexByte(partial, '='); eq >= 0 {
		key, val := partial[:eq], partial[eq+1:]
		k := slices.IndexFunc(schema, func(o Option) bool { return o.Name == key })
		if k < 0 {
			return nil
		}
		var out []string
		for _, v := range optionValues(sh, &schema[k], val) {
			out = append(out, key+"="+v)
		}
		return out
	}
	var out []string
	if n := len(args); n < len(cmd.Args) || (len(cmd.Args) > 0 && cmd.Args[len(cmd.Args)-1].Variadic) {
		a := cmd.Args[min(n, len(cmd.Args)-1)]
		if a.Complete != nil {
			for _, v := range a.Complete(sh, args, partial) {
				if !a.Variadic || !slices.Contains(args, v) {
					out = append(out, v)
				}
			}
		}
	}
	for _, o := range schema {
		if !given[o.Name] {
			out = append(out, o.Name+"=")
		}
	}
	return out
}

// optionValues returns the completions of an option's value.
func optionValues(sh *Shell, o *Option, val string) []string {
	switch o.Kind {
	case KindBool:
		return []string{"true", "false"}
	case KindEnum:
		return o.Choices
	case KindList:
		head := ""
		if k := strings.LastIndexByte(val, ','); k >= 0 {
			head = val[:k+1]
		}
		have := strings.Split(head, ",")
		var out []string
		for _, c := range o.Choices {
			if !slices.Contains(have, c) {
				out = append(out, head+c)
			}
		}
		return out
	case KindString:
		if o.Complete != nil {
			return o.Complete(sh, val)
		}
	}
	return nil
}

// completeFiles proposes the files and directories that start with
// prefix, relative to the shell's directory; directories end in '/'.
func completeFiles(sh *Shell, prefix string) []string {
	dir, base := filepath.Split(prefix)
	d := dir
	if d == "" {
		d = "."
	}
	entries, err := os.ReadDir(sh.path(d))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		if e.IsDir() {
			n += "/"
		}
		out = append(out, dir+n)
	}
	return out
}

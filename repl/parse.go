package repl

import (
	"fmt"
	"strings"
)

// Word is one word of a statement after quote removal.
type Word struct {
	// Text is the word with its quotes removed.
	Text string
	// Eq is the byte offset in Text of the first '=' outside quotes, or −1.
	// A word with Eq > 0 is an option key=value.
	Eq int
	// Pos is the byte offset of the word in the statement's line.
	Pos int
}

// IsOption reports whether w is written key=value (with an unquoted '=').
func (w Word) IsOption() bool { return w.Eq >= 0 }

// Key returns the part of an option word before '='.
func (w Word) Key() string {
	if w.Eq < 0 {
		return ""
	}
	return w.Text[:w.Eq]
}

// Value returns the part of an option word after '='.
func (w Word) Value() string {
	if w.Eq < 0 {
		return ""
	}
	return w.Text[w.Eq+1:]
}

// Statement is one command of a line: the words between two ';'.
type Statement struct {
	// Words holds the command name and its arguments.
	Words []Word
	// Text is the statement as written, trimmed.
	Text string
}

// Parse splits a line into statements. Words are separated by blanks;
// '…' and "…" quote (a backslash escapes '"' and '\' inside "…"); ';'
// outside quotes ends a statement and '#' at the start of a word starts a
// comment. Empty statements are dropped. An unterminated quote is an error
// naming its column.
func Parse(line string) ([]Statement, error) {
	sts, open := scan(line)
	if open >= 0 {
		return nil, fmt.Errorf("unterminated quote at column %d; close it with the same quote character", open+1)
	}
	out := sts[:0]
	for _, s := range sts {
		if len(s.Words) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// blanks separate words.
const blanks = " \t\n\v\f\r"

// isBlank reports whether c separates words.
func isBlank(c byte) bool { return strings.IndexByte(blanks, c) >= 0 }

// scan tokenises line. It never fails on an unterminated quote: it returns
// the column of the opening quote in open (−1 if all quotes are closed), so
// the completer can work on a line being typed. The last statement is kept
// even when empty; when the line ends in blanks (or is empty) the last
// statement gets no partial word.
func scan(line string) (sts []Statement, open int) {
	open = -1
	var (
		cur      []Word
		b        strings.Builder
		inWord   bool
		eq       = -1
		wordPos  int
		stmtFrom int
		quote    byte
	)
	endWord := func() {
		if inWord {
			cur = append(cur, Word{Text: b.String(), Eq: eq, Pos: wordPos})
		}
		b.Reset()
		inWord, eq = false, -1
	}
	endStmt := func(to int) {
		endWord()
		sts = append(sts, Statement{Words: cur, Text: strings.Trim(line[stmtFrom:to], blanks)})
		cur = nil
		stmtFrom = to + 1
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case c == quote:
				quote, open = 0, -1
			case quote == '"' && c == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\'):
				i++
				b.WriteByte(line[i])
			default:
				b.WriteByte(c)
			}
			continue
		}
		switch {
		case isBlank(c):
			endWord()
		case c == ';':
			endStmt(i)
		case c == '#' && !inWord:
			endStmt(i)
			return sts, open
		case c == '\'' || c == '"':
			if !inWord {
				inWord, wordPos = true, i
			}
			quote, open = c, i
		default:
			if !inWord {
				inWord, wordPos = true, i
			}
			if c == '=' && eq < 0 {
				eq = b.Len()
			}
			b.WriteByte(c)
		}
	}
	endStmt(len(line))
	return sts, open
}

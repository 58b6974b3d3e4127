package lesson

import (
	"cmp"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
)

// A Summary counts goroutines by state and by where they are: the function
// on top of the stack, and the function that started them.
type Summary struct {
	Total  int
	Groups []Group // largest first
}

// A Group is the goroutines of a Summary that share state, top and creator.
type Group struct {
	N                   int
	State, Top, Creator string
}

// maxGroups is how many groups String shows; the rest are counted.
const maxGroups = 8

// String renders the summary, one line per group, at most maxGroups lines.
func (s Summary) String() string {
	if s.Total == 0 {
		return "0 goroutines\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d goroutine(s), by state and top of stack:\n", s.Total)
	for i, g := range s.Groups {
		if i == maxGroups {
			fmt.Fprintf(&b, "  ... and %d more group(s)\n", len(s.Groups)-i)
			break
		}
		fmt.Fprintf(&b, "  %5d  [%s]  %s", g.N, g.State, g.Top)
		if g.Creator != "" {
			fmt.Fprintf(&b, "  (started by %s)", g.Creator)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Count returns the number of goroutines in the given state.
func (s Summary) Count(state string) int {
	n := 0
	for _, g := range s.Groups {
		if g.State == state {
			n += g.N
		}
	}
	return n
}

// Goroutines summarizes every goroutine of the program but the caller's and
// the Ctrl-C handler's. A goroutine's top is the
// first frame of the lesson's own code, or else the first frame outside the
// runtime.
func Goroutines() Summary {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	blocks := strings.Split(string(buf), "\n\n")
	var gs []Group
	for _, block := range blocks[1:] { // the first is the caller
		g, ok := parseDumpBlock(block)
		if ok && !strings.HasPrefix(g.Top, "os/signal.") && g.Top != lessonPkg+".Lesson.interrupts" {
			gs = append(gs, g)
		}
	}
	return summarize(gs)
}

// Leaks summarizes the goroutines of a goleak.Find error (nil: none).
func Leaks(err error) Summary {
	if err == nil {
		return Summary{}
	}
	var gs []Group
	text := err.Error()
	locs := goleakHeader.FindAllStringSubmatchIndex(text, -1)
	for i, loc := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		state, top := text[loc[2]:loc[3]], text[loc[4]:loc[5]]
		state, _, _ = strings.Cut(state, ",")
		gs = append(gs, Group{N: 1, State: state, Top: FuncName(top), Creator: creator(text[loc[1]:end])})
	}
	return summarize(gs)
}

var (
	dumpHeader   = regexp.MustCompile(`^goroutine \d+ \[([^\]]+)\]:`)
	goleakHeader = regexp.MustCompile(`Goroutine \d+ in state (.+?), with (\S+) on top of the stack:`)
	lessonFunc   = regexp.MustCompile(`github\.com/gmpkit/gmpkit/examples/\d\d-[a-z0-9-]+\.`)
	lessonPkg    = "github.com/gmpkit/gmpkit/examples/internal/lesson"
)

// parseDumpBlock reads one goroutine of a runtime.Stack dump.
func parseDumpBlock(block string) (Group, bool) {
	lines := strings.Split(strings.TrimSpace(block), "\n")
	m := dumpHeader.FindStringSubmatch(lines[0])
	if m == nil {
		return Group{}, false
	}
	state, _, _ := strings.Cut(m[1], ",") // "chan receive, 2 minutes"
	g := Group{N: 1, State: state, Creator: creator(block)}
	for _, line := range lines[1:] { // the first frame of the lesson's own code, else the first outside the runtime
		if strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "created by ") {
			continue
		}
		name := FuncName(line)
		if strings.HasPrefix(name, "main.") {
			g.Top = name
			break
		}
		if g.Top == "" && !strings.HasPrefix(name, "runtime.") && !strings.Contains(name, ".runtime_") {
			g.Top = name
		}
	}
	return g, true
}

// creator returns the function named in the "created by" line of a stack.
func creator(stack string) string {
	_, after, ok := strings.Cut(stack, "created by ")
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(after, "\n")
	line, _, _ = strings.Cut(line, " in goroutine")
	return FuncName(line)
}

// FuncName shortens a frame of a stack to its function name, with a lesson's
// import path shown as "main": "github.com/.../examples/04-nil-channel.trap.func1(0x1)"
// is "main.trap.func1".
func FuncName(frame string) string {
	frame = strings.TrimSpace(frame)
	if i := strings.LastIndex(frame, "("); i > 0 && strings.HasSuffix(frame, ")") {
		frame = frame[:i]
	}
	return lessonFunc.ReplaceAllString(frame, "main.")
}

func summarize(gs []Group) Summary {
	type key struct{ state, top, creator string }
	counts := map[key]int{}
	for _, g := range gs {
		counts[key{g.State, g.Top, g.Creator}] += g.N
	}
	s := Summary{Total: len(gs)}
	for k, n := range counts {
		s.Groups = append(s.Groups, Group{N: n, State: k.state, Top: k.top, Creator: k.creator})
	}
	slices.SortFunc(s.Groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.State, b.State), cmp.Compare(a.Top, b.Top))
	})
	return s
}

package lesson

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// ChildEnv names the child mode a re-executed lesson runs in (see
// Lesson.Children); MainEnv, set to 1, makes a lesson's test binary run the
// lesson's main function instead of its tests.
const (
	ChildEnv = "GMPKIT_LESSON_CHILD"
	MainEnv  = "GMPKIT_LESSON_MAIN"
)

// RunChild re-executes the running program in the child mode name, with env
// added to its environment, and returns what it wrote to stdout and stderr.
// ctx bounds the child.
func RunChild(ctx context.Context, name string, env ...string) (stdout, stderr string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), ChildEnv+"="+name, MainEnv+"=1", NoRaceExitSleep())
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), errOut.String(), fmt.Errorf("child %q: %w (stderr: %.300s)", name, err, errOut.String())
	}
	return out.String(), errOut.String(), nil
}

// NoRaceExitSleep returns the GORACE setting for a child process that drops
// the race detector's one-second sleep at exit (atexit_sleep_ms), keeping
// the parent's other GORACE options. Without -race it does nothing.
func NoRaceExitSleep() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// A Sched is one line of GODEBUG=schedtrace output:
//
//	SCHED 101ms: gomaxprocs=2 idleprocs=0 threads=4 ... runqueue=5 [ 2 7 ] schedticks=[ 8 8 ]
type Sched struct {
	Line    string
	Elapsed string
	Fields  []Field // in the order printed; the per-P list has the key "[ ]"
}

// A Field is one key=value of a SCHED line; a list is rendered "[2 7]".
type Field struct{ Key, Value string }

var schedLine = regexp.MustCompile(`^SCHED (\S+): (.*)$`)

// ParseSched splits a SCHED line into its fields.
func ParseSched(line string) (Sched, bool) {
	line = strings.TrimSpace(line)
	m := schedLine.FindStringSubmatch(line)
	if m == nil {
		return Sched{}, false
	}
	s := Sched{Line: line, Elapsed: m[1]}
	toks := strings.Fields(m[2])
	for i := 0; i < len(toks); i++ {
		key, val, ok := strings.Cut(toks[i], "=")
		if !ok {
			key, val = "[ ]", toks[i]
		}
		if val == "[" { // a list, up to "]"
			var list []string
			for i++; i < len(toks) && toks[i] != "]"; i++ {
				list = append(list, toks[i])
			}
			val = "[" + strings.Join(list, " ") + "]"
		}
		s.Fields = append(s.Fields, Field{key, val})
	}
	return s, true
}

// SchedLines returns the SCHED lines of text.
func SchedLines(text string) []Sched {
	var out []Sched
	for _, line := range strings.Split(text, "\n") {
		if s, ok := ParseSched(line); ok {
			out = append(out, s)
		}
	}
	return out
}

// Int returns the number of a key=number field, or the sum of a list field.
func (s Sched) Int(key string) int {
	for _, f := range s.Fields {
		if f.Key == key {
			n := 0
			for _, v := range strings.Fields(strings.Trim(f.Value, "[]")) {
				k, _ := strconv.Atoi(v)
				n += k
			}
			return n
		}
	}
	return 0
}

// Queued returns the goroutines waiting in the global queue and in the Ps'
// local queues (runnext slots are not shown in a SCHED line).
func (s Sched) Queued() (global, local int) { return s.Int("runqueue"), s.Int("[ ]") }

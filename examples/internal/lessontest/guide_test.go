package lessontest

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// examples is the workshop's folder, seen from this package.
const examples = "../.."

func guide(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examples, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lessons returns the lesson folders, NN-name, in order.
func lessons(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(examples, "[0-9][0-9]-*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no lesson folders: %v", err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Base(d)
	}
	return dirs
}

func TestPictures_AreValidSVGAndEachIsShownInTheGuide(t *testing.T) {
	g := guide(t)
	svgs, _ := filepath.Glob(filepath.Join(examples, "*.svg"))
	if len(svgs) < 4 {
		t.Fatalf("want the G/M/P pictures, found %v", svgs)
	}
	for _, path := range svgs {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(f)
		var root, title string
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: not valid XML: %v", path, err)
				break
			}
			if se, ok := tok.(xml.StartElement); ok {
				if root == "" {
					root = se.Name.Local
				}
				if se.Name.Local == "title" {
					title = "yes"
				}
			}
		}
		f.Close()
		if root != "svg" || title == "" {
			t.Errorf("%s: root <%s>, title %q: want an <svg> with a <title>", path, root, title)
		}
		if name := filepath.Base(path); !strings.Contains(g, "]("+name+")") {
			t.Errorf("the guide does not show %s", name)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([\w-]+\.svg)\)`).FindAllStringSubmatch(g, -1) {
		if _, err := os.Stat(filepath.Join(examples, m[1])); err != nil {
			t.Errorf("the guide shows %s, which does not exist", m[1])
		}
	}
}

func TestSchedule_FollowsTheFoldersAnd150MinutesFit180(t *testing.T) {
	g := guide(t)
	row := regexp.MustCompile(`(?m)^\| (\d:\d\d) \| (.+?) \| (\d+) \|$`)
	rows := row.FindAllStringSubmatch(g, -1)
	content, total, next := 0, 0, 0
	want := lessons(t)
	for _, r := range rows {
		min, _ := strconv.Atoi(r[3])
		total += min
		if !strings.HasPrefix(r[2], "Break") && !strings.HasPrefix(r[2], "Slack") {
			content += min
		}
		if strings.HasPrefix(r[2], "[") {
			if next >= len(want) || !strings.HasPrefix(r[2], "["+want[next]+"]") {
				t.Errorf("schedule row %q out of the folders' order %v", r[2], want)
			} else {
				next++
			}
		}
	}
	if next != len(want) {
		t.Errorf("the schedule lists %d of the %d lessons", next, len(want))
	}
	if total != 180 || content < 140 || content > 155 {
		t.Errorf("schedule: %d minutes of content in %d, want about 150 in 180", content, total)
	}
	// Every #anchor of the guide names a heading.
	slugs := map[string]bool{}
	for _, h := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(g, -1) {
		s := strings.ToLower(h[1])
		s = regexp.MustCompile(`[^a-z0-9 -]`).ReplaceAllString(s, "")
		slugs[strings.ReplaceAll(s, " ", "-")] = true
	}
	for _, a := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(g, -1) {
		if !slugs[a[1]] {
			t.Errorf("the guide links #%s, which is no heading", a[1])
		}
	}
}

func TestLessons_FitOnAScreenAndEverySolutionIsInTheGuide(t *testing.T) {
	g := guide(t)
	sections := regexp.MustCompile(`(?m)^## \d+\. `).Split(g, -1)[1:]
	all := lessons(t)
	if len(sections) != len(all) {
		t.Fatalf("%d lesson sections in the guide, %d folders", len(sections), len(all))
	}
	declared := regexp.MustCompile(`Name: "([\w-]+)", Change:`)
	for i, dir := range all {
		src, err := os.ReadFile(filepath.Join(examples, dir, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), "\n"); n > 200 {
			t.Errorf("%s/main.go has %d lines, more than a screen's 200", dir, n)
		}
		names := map[string]bool{}
		for _, m := range declared.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
			if !strings.Contains(sections[i], "-solution "+m[1]) {
				t.Errorf("%s: the solution %q is not in its section of the guide", dir, m[1])
			}
		}
		for _, m := range regexp.MustCompile(`-solution ([\w-]+)`).FindAllStringSubmatch(sections[i], -1) {
			if !names[m[1]] {
				t.Errorf("%s: the guide names -solution %s, which the lesson does not have", dir, m[1])
			}
		}
		tests, _ := os.ReadFile(filepath.Join(examples, dir, "main_test.go"))
		for _, m := range regexp.MustCompile("`(Test\\w+)`").FindAllStringSubmatch(sections[i], -1) {
			if !strings.Contains(string(tests), "func "+m[1]+"(") {
				t.Errorf("%s: the guide names %s, which is not among its tests", dir, m[1])
			}
		}
		if !strings.Contains(sections[i], "go run ./examples/"+dir) {
			t.Errorf("%s: its section does not say how to run it", dir)
		}
	}
}

func TestWorkshop_SpeaksToAttendees(t *testing.T) {
	jargon := regexp.MustCompile(`(?i)\bthe seed\b|\bseed.s\b|\bissue\b|(?:^|\s)#\d+\b`)
	var files []string
	files = append(files, filepath.Join(examples, "README.md"))
	for _, dir := range lessons(t) {
		gos, _ := filepath.Glob(filepath.Join(examples, dir, "*.go"))
		files = append(files, gos...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range jargon.FindAllString(string(b), -1) {
			t.Errorf("%s: internal jargon %q", f, m)
		}
	}
}

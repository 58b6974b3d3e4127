package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/gmpkit/gmpkit/bench/internal/study"
)

// studyTitles are the section headings of the HTML page.
var studyTitles = map[string]string{
	"tasks":    "Independent tasks: per-task overhead",
	"forkjoin": "Fork-join: speedup over sequential, with Rayon and Java's ForkJoinPool",
	"groups":   "Error groups: gmpkit's Group and ResultGroup against errgroup and conc",
	"steal":    "Work stealing: LIFO against FIFO",
	"locks":    "Locks: Mutex, RWMutex and the alternatives across read ratios",
	"chan":     "Channels: raw, safechan, RWMutex wrapper",
	"ctx":      "Contexts: stdlib against ctxtree",
	"metrics":  "Metrics: GoCollector against runtimemetrics",
}

type htmlSection struct {
	Name, Title string
	Run         study.StudyRun
	Notes       []string
	Charts      []htmlChart
	Side        *htmlSide
	Units       []string
	Rows        []htmlRow
}

// htmlSide is the fork-join section's side-by-side table (see [Side]).
type htmlSide struct {
	Impls, Langs []string
	Rows         []htmlSideRow
}

type htmlSideRow struct {
	Workload, Workers string
	Cells, Seq        []string
}

func sideHTML(rep *study.Report) *htmlSide {
	side := SideBySide(rep)
	if len(side.Rows) == 0 {
		return nil
	}
	h := &htmlSide{Impls: side.Impls, Langs: side.Langs}
	for _, r := range side.Rows {
		row := htmlSideRow{Workload: r.Workload, Workers: r.Workers}
		for _, c := range r.Cells {
			row.Cells = append(row.Cells, FormatSpeedup(c))
		}
		for _, ns := range r.Seq {
			row.Seq = append(row.Seq, FormatNs(ns))
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}

type htmlChart struct {
	File, Title, Caption string
	SVG                  template.HTML
}

type htmlRow struct {
	Name, Outcome, Detail string
	Cells                 []string
}

// htmlHead is one table of the headline: one benchmark family, whose
// peers are its columns.
type htmlHead struct {
	Bench string
	Peers []string
	Rows  []htmlHeadRow
}

type htmlHeadRow struct {
	Bench, Label, Gmpkit, GmpkitTime string
	Cells                            []htmlCell
}

// htmlCell is a headline ratio and its class: "good" where gmpkit is
// faster by more than 5%, "bad" where slower by more, "deadlocks" or
// "error" for a peer that did not finish.
type htmlCell struct{ Text, Class string }

var xmlProlog = regexp.MustCompile(`(?s)^\s*<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)

// inlineSVG strips the XML prolog and comment of an SVG document so that
// it can sit inside HTML.
func inlineSVG(svg []byte) template.HTML {
	return template.HTML(xmlProlog.ReplaceAll(svg, nil)) // our own gonum output
}

// WriteHTML writes index.html: self-contained (inline CSS and SVG, no
// script, no fetch), so that it opens offline and can be mailed.
func WriteHTML(out io.Writer, rep *study.Report, charts []Chart) error {
	byFile := map[string]Chart{}
	for _, c := range charts {
		byFile[c.File] = c
	}
	var sections []htmlSection
	for _, st := range rep.Studies {
		sec := htmlSection{Name: st.Name, Title: studyTitles[st.Name], Run: st, Notes: rep.Notes[st.Name]}
		if st.Name == "forkjoin" {
			sec.Side = sideHTML(rep)
		}
		for _, c := range charts {
			if strings.HasPrefix(c.File, st.Name) {
				sec.Charts = append(sec.Charts, htmlChart{File: c.File, Title: c.Title, Caption: c.Caption, SVG: inlineSVG(c.SVG)})
			}
		}
		rs := rep.ByStudy(st.Name)
		unitSet := map[string]bool{}
		for _, r := range rs {
			for _, u := range r.Units() {
				if !unitSet[u] {
					unitSet[u] = true
					sec.Units = append(sec.Units, u)
				}
			}
		}
		for _, r := range rs {
			row := htmlRow{Name: r.Name, Outcome: r.Outcome, Detail: r.Detail}
			for _, u := range sec.Units {
				v, ok := r.Mean(u)
				switch {
				case !ok:
					row.Cells = append(row.Cells, "")
				case u == study.UnitNsPerOp || u == study.UnitNsPerTask:
					row.Cells = append(row.Cells, FormatNs(v))
				default:
					row.Cells = append(row.Cells, human(v))
				}
			}
			sec.Rows = append(sec.Rows, row)
		}
		sections = append(sections, sec)
	}
	head := buildHead(Headline(rep))
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{
		"Rep":      rep,
		"Sections": sections,
		"Head":     head,
		"Started":  rep.Started.UTC().Format("2006-01-02 15:04 MST"),
	})
	if err != nil {
		return fmt.Errorf("report: index.html: %w", err)
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// human prints a table value with three significant digits and no
// exponent for the magnitudes benchmarks produce.
func human(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// buildHead groups the headline rows by benchmark, one table each, so
// that every table has only the peers of its own family as columns.
func buildHead(rows []HeadRow) []htmlHead {
	var heads []htmlHead
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Bench]
		if !ok {
			i = len(heads)
			idx[r.Bench] = i
			heads = append(heads, htmlHead{Bench: r.Bench})
		}
		for _, c := range r.Cells {
			if !contains(heads[i].Peers, c.Peer) {
				heads[i].Peers = append(heads[i].Peers, c.Peer)
			}
		}
	}
	for _, r := range rows {
		h := &heads[idx[r.Bench]]
		hr := htmlHeadRow{Bench: r.Bench, Label: r.Label(), Gmpkit: r.Gmpkit, GmpkitTime: FormatNs(r.GmpkitNs)}
		for _, p := range h.Peers {
			var cell htmlCell
			for _, c := range r.Cells {
				if c.Peer != p {
					continue
				}
				cell.Text = FormatRatio(c)
				switch {
				case c.Note != "":
					cell.Class = c.Note
				case c.Ratio >= 1.05:
					cell.Class = "good"
				case c.Ratio <= 0.95:
					cell.Class = "bad"
				}
			}
			hr.Cells = append(hr.Cells, cell)
		}
		h.Rows = append(h.Rows, hr)
	}
	return heads
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var page = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gmpkit study — {{.Rep.Machine.CPU}}, GOMAXPROCS {{.Rep.Machine.GOMAXPROCS}}</title>
<style>
 body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d2330; background: #fff; margin: 0; }
 main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
 h1 { font-size: 28px; margin: 8px 0 4px; color: #0b3d6e; }
 h2 { font-size: 21px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 3px solid #0072b2; color: #0b3d6e; }
 h3 { font-size: 16px; margin: 18px 0 4px; }
 .sub { color: #5a6272; margin: 0 0 16px; }
 .banner { background: #fff3cd; border-left: 6px solid #e69f00; padding: 10px 14px; margin: 12px 0; }
 table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px; }
 th, td { border: 1px solid #d5dbe5; padding: 4px 9px; text-align: right; }
 td { white-space: nowrap; }
 th { background: #eaf2fb; color: #0b3d6e; }
 td:first-child, th:first-child { text-align: left; }
 tr:nth-child(even) td { background: #f7f9fc; }
 .grid { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
 .kv td:first-child { font-weight: 600; background: #eaf2fb; }
 figure { margin: 12px 0 22px; }
 figure svg { width: 100%; max-width: 960px; height: auto; border: 1px solid #e3e8ef; border-radius: 6px; background: #fff; }
 figcaption { color: #4a5261; font-size: 13.5px; max-width: 900px; margin-top: 4px; }
 .good { color: #006d4f; font-weight: 600; }
 .bad { color: #b34700; font-weight: 600; }
 .deadlocks, .error { color: #b30000; font-weight: 700; }
 code { background: #f0f3f7; padding: 1px 4px; border-radius: 3px; }
 .files { color: #5a6272; font-size: 13px; }
</style>
</head>
<body>
<main>
<h1>gmpkit study</h1>
<p class="sub">{{.Rep.Mode}} mode · started {{.Started}} · ran {{.Rep.Duration}} · samples per case: {{.Rep.Count}} of ~{{.Rep.Benchtime}}</p>
{{if .Rep.Interrupted}}<p class="banner"><b>Interrupted.</b> The study was stopped before it finished; this report holds the cases that completed.</p>{{end}}

<div class="grid">
<div>
<h3>Machine</h3>
<table class="kv">
<tr><td>CPU</td><td>{{.Rep.Machine.CPU}}</td></tr>
<tr><td>Cores</td><td>{{.Rep.Machine.Cores}}</td></tr>
<tr><td>GOMAXPROCS</td><td>{{.Rep.Machine.GOMAXPROCS}}</td></tr>
<tr><td>Go</td><td>{{.Rep.Machine.GoVersion}} {{.Rep.Machine.GOOS}}/{{.Rep.Machine.GOARCH}}</td></tr>
</table>
</div>
<div>
<h3>Studies</h3>
<table>
<tr><th>study</th><th>status</th><th>cases</th><th>time</th></tr>
{{range .Sections}}<tr><td><a href="#{{.Name}}">{{.Name}}</a></td><td>{{.Run.Status}}</td><td>{{.Run.Finished}} / {{.Run.Cases}}</td><td>{{.Run.DurationHu}}</td></tr>
{{end}}</table>
</div>
</div>

{{if .Head}}
<h2 id="headline">Headline: gmpkit against each peer</h2>
<p class="sub">Each cell is the peer's time divided by gmpkit's on the same workload in this run: above 1× gmpkit is faster, below 1× the peer is. "sequential" is the one-goroutine floor.</p>
<div class="grid">
{{range .Head}}<table>
<tr><th>{{.Bench}}</th><th>gmpkit</th>{{range .Peers}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Label}}</td><td>{{.Gmpkit}} {{.GmpkitTime}}</td>{{range .Cells}}<td class="{{.Class}}">{{.Text}}</td>{{end}}</tr>
{{end}}</table>
{{end}}</div>
{{end}}

{{range .Sections}}
<h2 id="{{.Name}}">{{.Title}}</h2>
<p class="sub">study <code>{{.Name}}</code> · {{.Run.Status}} · {{.Run.Finished}} of {{.Run.Cases}} cases · {{.Run.DurationHu}}</p>
{{range .Notes}}<p class="banner">{{.}}</p>
{{end}}{{range .Charts}}
<figure>
{{.SVG}}
<figcaption><b>{{.Title}}.</b> {{.Caption}} <span class="files">({{.File}})</span></figcaption>
</figure>
{{end}}
{{with .Side}}
<h3>Side by side: speedup over each language's own sequential program (time per op)</h3>
<table>
<tr><th>workload</th><th>workers</th>{{range .Impls}}<th>{{.}}</th>{{end}}{{range .Langs}}<th>sequential {{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Workload}}</td><td>{{.Workers}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}{{range .Seq}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}
{{if .Rows}}
<table>
<tr><th>benchmark</th>{{range .Units}}<th>{{.}}</th>{{end}}<th>outcome</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}<td class="{{.Outcome}}" title="{{.Detail}}">{{.Outcome}}</td></tr>
{{end}}</table>
{{end}}
{{end}}

<p class="files">Also in this folder: <code>raw.txt</code> (Go benchmark format: <code>benchstat -col /impl raw.txt</code>), <code>results.json</code>, and every chart as an <code>.svg</code> file.</p>
</main>
</body>
</html>
`))

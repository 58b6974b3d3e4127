package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one chart of the report: its file name, a caption for the HTML
// page and the SVG document.
type Chart struct {
	File    string
	Title   string
	Caption string
	SVG     []byte
}

// palette is the Okabe–Ito colour-blind-safe palette, one colour per
// series, with gmpkit always first.
var palette = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{230, 159, 0, 255},   // orange
	{0, 158, 115, 255},   // green
	{204, 121, 167, 255}, // purple
	{213, 94, 0, 255},    // vermillion
	{86, 180, 233, 255},  // sky
	{240, 228, 66, 255},  // yellow
	{0, 0, 0, 255},       // black
	{153, 153, 153, 255}, // grey
}

func colour(i int) color.Color { return palette[i%len(palette)] }

// roleColour colours a bar by the role of its implementation: gmpkit's side
// blue, the sequential floor grey, every peer orange.
func roleColour(impl string) color.Color {
	switch {
	case IsGmpkit(impl):
		return palette[0]
	case impl == "sequential":
		return palette[8]
	}
	return palette[1]
}

// series is one named set of values over a chart's categories; NaN marks a
// category without a value, and note (if set) labels it instead.
type series struct {
	name   string
	values []float64
	notes  []string
}

// barChart draws grouped bars: one group per category, one bar per series.
func barChart(title, ylabel string, categories []string, ss []series) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = false
	p.Y.Min = 0
	width := vg.Points(math.Max(6, math.Min(28, 200/float64(max(1, len(ss)*len(categories))))*1.6))
	ymax := 0.0
	for _, s := range ss {
		for _, v := range s.values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				ymax = math.Max(ymax, v)
			}
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	for i, s := range ss {
		if err := addBars(p, categories, ss, i, s, width, ymax); err != nil {
			return nil, err
		}
	}
	p.NominalX(categories...)
	// Half a category of margin on both sides, so that the outer bars and
	// their tick labels stay inside the canvas.
	p.X.Min, p.X.Max = -0.6, float64(len(categories))-0.4
	p.Y.Max = ymax * 1.15
	if len(ss) > 1 {
		// Room above the bars for the legend, one row per series.
		p.Y.Max = ymax * (1.2 + 0.07*float64(len(ss)))
	}
	p.Add(plotter.NewGrid())
	return render(p, 720, 360)
}

// addBars adds series s, the i'th of ss, to p as bars of the given width
// (one per category, NaN drawn as its note), with its legend entry.
func addBars(p *plot.Plot, categories []string, ss []series, i int, s series, width vg.Length, ymax float64) error {
	vals := make(plotter.Values, len(categories))
	var notes plotter.XYLabels
	for k := range categories {
		v := math.NaN()
		if k < len(s.values) {
			v = s.values[k]
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			vals[k] = 0
			if k < len(s.notes) && s.notes[k] != "" {
				x := float64(k) + (float64(i)-float64(len(ss)-1)/2)*width.Points()/categoryPoints(p, len(categories))
				notes.XYs = append(notes.XYs, plotter.XY{X: x, Y: ymax * 0.04})
				notes.Labels = append(notes.Labels, s.notes[k])
			}
			continue
		}
		vals[k] = v
	}
	b, err := plotter.NewBarChart(vals, width)
	if err != nil {
		return err
	}
	b.Color = colour(i)
	b.LineStyle.Width = 0
	if len(ss) == 1 {
		// One series: colour each bar by its role instead, so that
		// gmpkit's bar stands out from the peers' and the floor's.
		for k, cat := range categories {
			one := make(plotter.Values, len(categories))
			one[k] = vals[k]
			bk, err := plotter.NewBarChart(one, width)
			if err != nil {
				return err
			}
			bk.Color = roleColour(cat)
			bk.LineStyle.Width = 0
			p.Add(bk)
		}
		b.Color = color.Transparent
	}
	b.Offset = vg.Length(float64(i)-float64(len(ss)-1)/2) * width
	p.Add(b)
	if len(ss) > 1 {
		p.Legend.Add(s.name, b)
	}
	if len(notes.XYs) > 0 {
		l, err := plotter.NewLabels(notes)
		if err != nil {
			return err
		}
		for j := range l.TextStyle {
			l.TextStyle[j].Color = colour(i)
			l.TextStyle[j].Rotation = math.Pi / 2
			l.TextStyle[j].Font.Size = vg.Points(9)
		}
		p.Add(l)
	}
	return nil
}

// categoryPoints estimates the width in points of one category on the x
// axis of a 720-point-wide chart, to place note labels over their bars.
func categoryPoints(_ *plot.Plot, n int) float64 { return 620 / float64(max(n, 1)) }

// line is one series of a line chart.
type line struct {
	name string
	xys  plotter.XYs
}

// lineChart draws lines with points; marks are vertical dashed lines with a
// label (the crossovers).
func lineChart(title, xlabel, ylabel string, ls []line, marks []mark, ticks []plot.Tick) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Min = 0
	ymax := 0.0
	for _, l := range ls {
		for _, xy := range l.xys {
			ymax = math.Max(ymax, xy.Y)
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	// Room above the lines for the legend (one row per series) and the
	// marks' labels, and a margin left and right so that the end points
	// and the last tick label stay inside the canvas.
	p.Y.Max = ymax * (1.25 + 0.08*float64(len(ls)))
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, l := range ls {
		for _, xy := range l.xys {
			xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
		}
	}
	if xmin < xmax {
		pad := (xmax - xmin) * 0.04
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	if len(ticks) > 0 {
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	p.Add(plotter.NewGrid())
	for i, l := range ls {
		ln, pts, err := plotter.NewLinePoints(l.xys)
		if err != nil {
			return nil, err
		}
		ln.Color = colour(i)
		ln.Width = vg.Points(2)
		pts.Color = colour(i)
		pts.Shape = draw.CircleGlyph{}
		p.Add(ln, pts)
		p.Legend.Add(l.name, ln, pts)
	}
	for _, m := range marks {
		v, err := plotter.NewLine(plotter.XYs{{X: m.x, Y: 0}, {X: m.x, Y: ymax * 1.08}})
		if err != nil {
			return nil, err
		}
		v.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		v.Color = color.RGBA{120, 120, 120, 255}
		p.Add(v)
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: m.x, Y: ymax * 1.1}}, Labels: []string{m.label}})
		if err != nil {
			return nil, err
		}
		l.TextStyle[0].Font.Size = vg.Points(9)
		// Write the label away from the nearer edge, so that it stays on
		// the canvas: right of the line in the left half, left of it in
		// the right half.
		l.Offset = vg.Point{X: vg.Points(4)}
		if xmin < xmax && m.x > (xmin+xmax)/2 {
			l.TextStyle[0].XAlign = draw.XRight
			l.Offset = vg.Point{X: vg.Points(-4)}
		}
		p.Add(l)
	}
	return render(p, 720, 380)
}

// mark is a labelled vertical line.
type mark struct {
	x     float64
	label string
}

func render(p *plot.Plot, w, h float64) ([]byte, error) {
	c := vgsvg.New(vg.Points(w), vg.Points(h))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: rendering %q: %w", p.Title.Text, err)
	}
	return buf.Bytes(), nil
}

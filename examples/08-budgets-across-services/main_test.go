package main

import (
	"strings"
	"testing"

	"github.com/gmpkit/gmpkit/examples/internal/lessontest"
)

func TestMain(m *testing.M) { lessontest.Main(m, main) }

// sections splits the output into the trap, the standard library's fix and
// ctxtree's.
func sections(t *testing.T, out string) (trap, std, fix string) {
	t.Helper()
	trap, rest, ok1 := strings.Cut(out, "== Standard library first")
	std, fix, ok2 := strings.Cut(rest, "== The fix")
	if !ok1 || !ok2 {
		t.Fatalf("missing sections:\n%s", out)
	}
	return trap, std, fix
}

func TestLesson_OnlyTheBudgetHeaderLetsInventoryRefuse(t *testing.T) {
	out := lessontest.Run(t, run, "")
	trap, std, fix := sections(t, out)
	lessontest.Want(t, trap, "fresh context: the client gave up after ", `inventory: budget header ""`, "ended finished")
	lessontest.Want(t, std, "r.Context(): the client gave up after ", `inventory: budget header ""`, "ended canceled: context canceled")
	lessontest.Want(t, fix, "ctxtree header: the client answered 504 after ", "inventory: needs 700ms, has ",
		"worked 0s; ended refused at once", "  gateway   received ", "  orders    received ", "  inventory received ", "gmpkit adds: ")
}

// The exercise inventoryWork = 150ms: the budget suffices, and all three
// ways answer.
func TestSolution_Inventory150ms_EveryWayAnswers(t *testing.T) {
	out := lessontest.Run(t, run, "inventory-150ms")
	if n := strings.Count(out, "answered 200 after "); n != 3 {
		t.Errorf("want all three ways to answer 200, got %d:\n%s", n, out)
	}
	if n := strings.Count(out, "ended finished"); n != 3 {
		t.Errorf("want inventory to finish three times, got %d:\n%s", n, out)
	}
}

// The exercise "remove inventory's check": with the header, inventory now
// starts and is canceled when its budget runs out or the client hangs up,
// whichever inventory hears of first, like the r.Context() row.
func TestSolution_NoRefusal_InventoryWorksUntilCanceled(t *testing.T) {
	out := lessontest.Run(t, run, "no-refusal")
	_, _, fix := sections(t, out)
	lessontest.Want(t, fix, "ended canceled: ")
	if strings.Contains(fix, "refused at once") {
		t.Errorf("inventory still refused:\n%s", fix)
	}
}

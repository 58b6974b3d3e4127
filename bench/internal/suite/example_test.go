package suite_test

import (
	"fmt"

	"github.com/gmpkit/gmpkit/bench/internal/suite"
)

// Every case is named Family/param=value/.../impl=name, so that
// benchstat -col /impl puts the implementations side by side.
func ExampleBench() {
	for _, c := range suite.Bench("Steal", suite.SizesFor(suite.Quick)) {
		fmt.Println("Benchmark" + c.Name())
	}
	// Output:
	// BenchmarkSteal/policy=lifo/impl=gmpkit
	// BenchmarkSteal/policy=fifo/impl=gmpkit
}

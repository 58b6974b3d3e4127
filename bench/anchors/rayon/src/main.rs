//! The Rayon anchor of gmpkit's fork-join study: the study's fib, unbalanced
//! tree and parallel loop, written as a Rust programmer would with Rayon
//! (`rayon::join`, `par_iter_mut`), each timed sequentially and on dedicated
//! pools of the requested sizes. The Go copy of each workload is in
//! bench/internal/workloads (kernels.go, tree.go, loop.go), the Java copy in
//! ../java/Anchor.java; the three compute the same values bit for bit.
//!
//! Arguments are key=value (all optional; the defaults are the study's sizes):
//!
//!   fib=32 cutoffs=20,12,2 tree=B0,M,THRESHOLD,ROUNDS,SEED loop=N,ROUNDS
//!   threads=1,2 reps=3 warmup=2 only=fib,tree,loop
//!
//! It prints one line per (workload, threads), space-separated key=value:
//!
//!   anchor=rayon workload=tree cutoff=0 threads=2 reps=5 seq_best_ns=...
//!   seq_median_ns=... par_best_ns=... par_median_ns=... seq_result=... result=...
//!
//! where the times are the best and the median of reps timed runs after
//! warmup untimed ones, and result is the computed value (fib(n); the
//! tree's node count and XOR checksum as COUNT:CHECKSUM; the loop's XOR of
//! every output), which the study checks against Go's.
use rayon::prelude::*;
use std::time::Instant;

/// The golden-ratio increment of splitmix64 (Steele, Lea and Flood 2014).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// One round of splitmix64: add the increment, then its output mix.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// rounds dependent rounds of mix: a node's work, and the loop's body.
fn work(mut s: u64, rounds: u32) -> u64 {
    for _ in 0..rounds {
        s = mix(s);
    }
    s
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    fib_seq(n - 1) + fib_seq(n - 2)
}

fn fib_par(n: u32, cutoff: u32) -> u64 {
    if n < cutoff || n < 2 {
        return fib_seq(n);
    }
    let (a, b) = rayon::join(|| fib_par(n - 1, cutoff), || fib_par(n - 2, cutoff));
    a + b
}

/// The unbalanced tree (UTS's binomial shape, Olivier et al. 2006): the
/// root has b0 children; every other node has m children when the top 32
/// bits of its hash are below threshold (probability threshold / 2^32),
/// else none. A node's hash is `work(state, rounds)`; child i's state is
/// `mix(hash ^ (i+1)*GOLDEN)`.
#[derive(Clone, Copy)]
struct Tree {
    b0: u64,
    m: u64,
    threshold: u64,
    rounds: u32,
    seed: u64,
}

#[derive(Clone, Copy, Default)]
struct Sum {
    count: u64,
    checksum: u64,
}

impl Sum {
    fn add(self, o: Sum) -> Sum {
        Sum {
            count: self.count + o.count,
            checksum: self.checksum ^ o.checksum,
        }
    }
    fn node(h: u64) -> Sum {
        Sum {
            count: 1,
            checksum: h,
        }
    }
}

impl Tree {
    fn children(&self, h: u64, root: bool) -> u64 {
        if root {
            self.b0
        } else if (h >> 32) < self.threshold {
            self.m
        } else {
            0
        }
    }

    fn child(h: u64, i: u64) -> u64 {
        mix(h ^ (i + 1).wrapping_mul(GOLDEN))
    }

    fn seq(&self, state: u64, root: bool) -> Sum {
        let h = work(state, self.rounds);
        let mut s = Sum::node(h);
        for i in 0..self.children(h, root) {
            s = s.add(self.seq(Tree::child(h, i), false));
        }
        s
    }

    fn par(&self, state: u64, root: bool) -> Sum {
        let h = work(state, self.rounds);
        self.range(h, 0, self.children(h, root)).add(Sum::node(h))
    }

    /// Visits children lo..hi of the node whose hash is h, forking by
    /// halving the range, as the Go and Java copies do.
    fn range(&self, h: u64, lo: u64, hi: u64) -> Sum {
        match hi - lo {
            0 => Sum::default(),
            1 => self.par(Tree::child(h, lo), false),
            _ => {
                let mid = lo + (hi - lo) / 2;
                let (a, b) = rayon::join(|| self.range(h, lo, mid), || self.range(h, mid, hi));
                a.add(b)
            }
        }
    }
}

fn loop_seq(out: &mut [u64], rounds: u32) -> u64 {
    for (i, o) in out.iter_mut().enumerate() {
        *o = work(i as u64, rounds);
    }
    out.iter().fold(0, |x, v| x ^ v)
}

fn loop_par(out: &mut [u64], rounds: u32) -> u64 {
    out.par_iter_mut()
        .enumerate()
        .for_each(|(i, o)| *o = work(i as u64, rounds));
    out.iter().fold(0, |x, v| x ^ v)
}

/// Best and median of reps timed calls of f, after warmup untimed ones,
/// and f's last result.
fn time_it<F: FnMut() -> String>(warmup: usize, reps: usize, mut f: F) -> (u128, u128, String) {
    let mut result = String::new();
    for _ in 0..warmup {
        result = f();
    }
    let mut ns = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        result = f();
        ns.push(t0.elapsed().as_nanos());
    }
    ns.sort_unstable();
    (ns[0], ns[ns.len() / 2], result)
}

struct Config {
    fib: u32,
    cutoffs: Vec<u32>,
    tree: Tree,
    loop_n: usize,
    loop_rounds: u32,
    threads: Vec<usize>,
    reps: usize,
    warmup: usize,
    only: Vec<String>,
}

fn nums(v: &str) -> Vec<u64> {
    v.split(',')
        .map(|x| x.trim().parse().unwrap_or_else(|_| usage(v)))
        .collect()
}

fn usage(bad: &str) -> ! {
    eprintln!("anchor-rayon: bad argument {:?}; want key=value among fib= cutoffs= tree=B0,M,THRESHOLD,ROUNDS,SEED loop=N,ROUNDS threads= reps= warmup= only=", bad);
    std::process::exit(2)
}

fn parse() -> Config {
    let mut c = Config {
        fib: 32,
        cutoffs: vec![20, 12, 2],
        tree: Tree {
            b0: 3000,
            m: 8,
            threshold: 534_723_428,
            rounds: 56,
            seed: 3,
        },
        loop_n: 2_000_000,
        loop_rounds: 9,
        threads: vec![1, 2],
        reps: 3,
        warmup: 2,
        only: vec!["fib".into(), "tree".into(), "loop".into()],
    };
    for arg in std::env::args().skip(1) {
        let (k, v) = match arg.split_once('=') {
            Some(kv) => kv,
            None => usage(&arg),
        };
        let n = nums(if k == "only" { "0" } else { v });
        match (k, n.len()) {
            ("fib", 1) => c.fib = n[0] as u32,
            ("cutoffs", _) => c.cutoffs = n.iter().map(|&x| x as u32).collect(),
            ("tree", 5) => {
                c.tree = Tree {
                    b0: n[0],
                    m: n[1],
                    threshold: n[2],
                    rounds: n[3] as u32,
                    seed: n[4],
                }
            }
            ("loop", 2) => (c.loop_n, c.loop_rounds) = (n[0] as usize, n[1] as u32),
            ("threads", _) => c.threads = n.iter().map(|&x| x as usize).collect(),
            ("reps", 1) => c.reps = n[0] as usize,
            ("warmup", 1) => c.warmup = n[0] as usize,
            ("only", _) => c.only = v.split(',').map(String::from).collect(),
            _ => usage(&arg),
        }
    }
    c
}

fn report(
    c: &Config,
    workload: &str,
    cutoff: u32,
    seq: &(u128, u128, String),
    par: impl Fn() -> (u128, u128, String) + Sync,
) {
    for &t in &c.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .expect("thread pool");
        let (best, median, result) = pool.install(&par);
        println!(
            "anchor=rayon workload={} cutoff={} threads={} reps={} seq_best_ns={} seq_median_ns={} par_best_ns={} par_median_ns={} seq_result={} result={}",
            workload, cutoff, t, c.reps, seq.0, seq.1, best, median, seq.2, result
        );
    }
}

fn main() {
    let c = parse();
    let (w, r) = (c.warmup, c.reps);
    if c.only.iter().any(|x| x == "fib") {
        let seq = time_it(w, r, || fib_seq(c.fib).to_string());
        for &cut in &c.cutoffs {
            report(&c, "fib", cut, &seq, || {
                time_it(w, r, || fib_par(c.fib, cut).to_string())
            });
        }
    }
    if c.only.iter().any(|x| x == "tree") {
        let t = c.tree;
        let show = |s: Sum| format!("{}:{}", s.count, s.checksum);
        let seq = time_it(w, r, || show(t.seq(t.seed, true)));
        report(&c, "tree", 0, &seq, || {
            time_it(w, r, || show(t.par(t.seed, true)))
        });
    }
    if c.only.iter().any(|x| x == "loop") {
        let mut out = vec![0u64; c.loop_n];
        let seq = time_it(w, r, || loop_seq(&mut out, c.loop_rounds).to_string());
        report(&c, "loop", 0, &seq, || {
            let mut out = vec![0u64; c.loop_n];
            time_it(w, r, || loop_par(&mut out, c.loop_rounds).to_string())
        });
    }
}

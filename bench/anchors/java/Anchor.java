import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The Java anchor of gmpkit's fork-join study: the study's fib, unbalanced
 * tree and parallel loop, written as a Java programmer would with a
 * dedicated {@link ForkJoinPool} (RecursiveAction with invokeAll, and a
 * parallel IntStream run inside the pool), each timed sequentially and on
 * pools of the requested sizes. The Go copy of each workload is in
 * bench/internal/workloads (kernels.go, tree.go, loop.go), the Rust copy in
 * ../rayon/src/main.rs; the three compute the same values bit for bit.
 *
 * <p>Arguments and output are the Rayon anchor's (see its header), with
 * anchor=java-fjp. Run with a large thread stack (-Xss64m): the tree is a
 * few hundred levels deep and each level is a few fork-join frames.
 */
public final class Anchor {
    /** The golden-ratio increment of splitmix64 (Steele, Lea and Flood 2014). */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** One round of splitmix64: add the increment, then its output mix. */
    static long mix(long z) {
        z += GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** rounds dependent rounds of mix: a node's work, and the loop's body. */
    static long work(long s, int rounds) {
        for (int i = 0; i < rounds; i++) {
            s = mix(s);
        }
        return s;
    }

    static long fibSeq(int n) {
        return n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2);
    }

    static final class Fib extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        final int n, cutoff;
        long result;

        Fib(int n, int cutoff) {
            this.n = n;
            this.cutoff = cutoff;
        }

        @Override
        protected void compute() {
            if (n < cutoff || n < 2) {
                result = fibSeq(n);
                return;
            }
            Fib a = new Fib(n - 1, cutoff), b = new Fib(n - 2, cutoff);
            invokeAll(a, b);
            result = a.result + b.result;
        }
    }

    /**
     * The unbalanced tree (UTS's binomial shape, Olivier et al. 2006): the
     * root has b0 children; every other node has m children when the top 32
     * bits of its hash are below threshold (probability threshold / 2^32),
     * else none. A node's hash is work(state, rounds); child i's state is
     * mix(hash ^ (i+1)*GOLDEN).
     */
    static final class Tree {
        final long b0, m, threshold, seed;
        final int rounds;

        Tree(long[] p) {
            b0 = p[0];
            m = p[1];
            threshold = p[2];
            rounds = (int) p[3];
            seed = p[4];
        }

        long children(long h, boolean root) {
            if (root) return b0;
            return (h >>> 32) < threshold ? m : 0;
        }

        static long child(long h, long i) {
            return mix(h ^ ((i + 1) * GOLDEN));
        }

        /** Sequential visit; sum[0] += nodes, sum[1] ^= hashes. */
        void seq(long state, boolean root, long[] sum) {
            long h = work(state, rounds);
            sum[0]++;
            sum[1] ^= h;
            long n = children(h, root);
            for (long i = 0; i < n; i++) {
                seq(child(h, i), false, sum);
            }
        }
    }

    /** Visits children lo..hi of the node whose hash is h, forking by halving. */
    static final class TreeRange extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        final Tree t;
        final long h, lo, hi;
        long count, checksum;

        TreeRange(Tree t, long h, long lo, long hi) {
            this.t = t;
            this.h = h;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                node(Tree.child(h, lo), false);
            } else if (hi - lo > 1) {
                long mid = lo + (hi - lo) / 2;
                TreeRange a = new TreeRange(t, h, lo, mid), b = new TreeRange(t, h, mid, hi);
                invokeAll(a, b);
                count = a.count + b.count;
                checksum = a.checksum ^ b.checksum;
            }
        }

        /** The node with the given state: its work, then its children's range. */
        void node(long state, boolean root) {
            long hh = work(state, t.rounds);
            TreeRange kids = new TreeRange(t, hh, 0, t.children(hh, root));
            kids.compute();
            count = kids.count + 1;
            checksum = kids.checksum ^ hh;
        }
    }

    static final class Timing {
        long best, median;
        String result;
    }

    /** Best and median of reps timed calls of f, after warmup untimed ones. */
    static Timing time(int warmup, int reps, Supplier<String> f) {
        Timing tm = new Timing();
        for (int i = 0; i < warmup; i++) {
            tm.result = f.get();
        }
        long[] ns = new long[Math.max(reps, 1)];
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            tm.result = f.get();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        tm.best = ns[0];
        tm.median = ns[ns.length / 2];
        return tm;
    }

    static long[] nums(String v) {
        try {
            return Arrays.stream(v.split(",")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
        } catch (NumberFormatException e) {
            throw usage(v);
        }
    }

    static IllegalArgumentException usage(String bad) {
        System.err.println("anchor-java: bad argument \"" + bad + "\"; want key=value among fib= cutoffs= "
                + "tree=B0,M,THRESHOLD,ROUNDS,SEED loop=N,ROUNDS threads= reps= warmup= only=");
        System.exit(2);
        return new IllegalArgumentException(bad);
    }

    int fib = 32, loopN = 2_000_000, loopRounds = 9, reps = 3, warmup = 3;
    long[] cutoffs = {20, 12, 2}, threads = {1, 2};
    Tree tree = new Tree(new long[] {3000, 8, 534_723_428L, 56, 3});
    List<String> only = List.of("fib", "tree", "loop");

    void parse(String[] args) {
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) throw usage(arg);
            String k = arg.substring(0, eq), v = arg.substring(eq + 1);
            if (k.equals("only")) {
                only = List.of(v.split(","));
                continue;
            }
            long[] n = nums(v);
            if (k.equals("fib") && n.length == 1) fib = (int) n[0];
            else if (k.equals("cutoffs")) cutoffs = n;
            else if (k.equals("tree") && n.length == 5) tree = new Tree(n);
            else if (k.equals("loop") && n.length == 2) {
                loopN = (int) n[0];
                loopRounds = (int) n[1];
            } else if (k.equals("threads")) threads = n;
            else if (k.equals("reps") && n.length == 1) reps = (int) n[0];
            else if (k.equals("warmup") && n.length == 1) warmup = (int) n[0];
            else throw usage(arg);
        }
    }

    /** Times par on a dedicated pool of each size and prints one line per size. */
    void report(String workload, long cutoff, Timing seq, Supplier<String> par) throws Exception {
        for (long t : threads) {
            ForkJoinPool pool = new ForkJoinPool((int) t);
            try {
                Timing tm = pool.submit(() -> time(warmup, reps, par)).get();
                System.out.printf("anchor=java-fjp workload=%s cutoff=%d threads=%d reps=%d seq_best_ns=%d "
                        + "seq_median_ns=%d par_best_ns=%d par_median_ns=%d seq_result=%s result=%s%n",
                        workload, cutoff, t, reps, seq.best, seq.median, tm.best, tm.median, seq.result, tm.result);
            } finally {
                pool.shutdown();
            }
        }
    }

    static long xor(long[] out) {
        long x = 0;
        for (long v : out) x ^= v;
        return x;
    }

    void run() throws Exception {
        if (only.contains("fib")) {
            Timing seq = time(warmup, reps, () -> Long.toString(fibSeq(fib)));
            for (long c : cutoffs) {
                int cut = (int) c;
                report("fib", cut, seq, () -> {
                    Fib f = new Fib(fib, cut);
                    f.invoke();
                    return Long.toString(f.result);
                });
            }
        }
        if (only.contains("tree")) {
            Tree t = tree;
            Timing seq = time(warmup, reps, () -> {
                long[] sum = new long[2];
                t.seq(t.seed, true, sum);
                return Long.toUnsignedString(sum[0]) + ":" + Long.toUnsignedString(sum[1]);
            });
            report("tree", 0, seq, () -> {
                TreeRange root = new TreeRange(t, 0, 0, 0);
                root.node(t.seed, true);
                return Long.toUnsignedString(root.count) + ":" + Long.toUnsignedString(root.checksum);
            });
        }
        if (only.contains("loop")) {
            long[] out = new long[loopN];
            int r = loopRounds;
            Timing seq = time(warmup, reps, () -> {
                for (int i = 0; i < out.length; i++) out[i] = work(i, r);
                return Long.toUnsignedString(xor(out));
            });
            report("loop", 0, seq, () -> {
                IntStream.range(0, out.length).parallel().forEach(i -> out[i] = work(i, r));
                return Long.toUnsignedString(xor(out));
            });
        }
    }

    public static void main(String[] args) throws Exception {
        Anchor a = new Anchor();
        a.parse(args);
        a.run();
    }
}

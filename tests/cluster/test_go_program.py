# SPDX-License-Identifier: MIT
"""A Go program (tools/dsmkpy/testing.py build_go: Go's own runtime, no libc, its raw
system calls): goroutines on the threads Go's scheduler makes, which clone places round the
nodes; channels, a mutex, atomics, a WaitGroup, timers and a ticker in a select, the garbage
collector (whose workers preempt goroutines with signals), a file written and read back, a
recovered panic, and over loopback TCP an HTTP server answering concurrent clients and an echo
server whose io.Copy between connections uses splice. The output must be the native run's on
1, 2 and 4 nodes. (Before, Go's startup asked getrlimit, which was ENOSYS; the loopback TCP,
splice and epoll on a listening socket, which crashed the kernel, came with it.) Then the
tests of Go's own sync and sync/atomic packages must pass on 2 and 4 nodes, and Go's CPU
profiler (runtime/pprof, on the CPU-time timers: EINVAL before, so a profile held no sample)
must see the goroutines compute."""
import re
import subprocess

import pytest

from dsmkpy.testing import build_go, build_go_package_test, check_matches_native, dsmk_run, go_env

# The concurrency tests of Go's own sync and sync/atomic packages (Cond, Map, Mutex, RWMutex,
# Once, Pool, WaitGroup; every atomic operation raced by goroutines) as their authors wrote
# them, in -test.short mode. TestMutexMisuse runs the test binary again as a child process
# (os/exec): one process here, so it is left out.
GO_PACKAGES = ("sync", "sync/atomic")
GO_TESTS_LEFT_OUT = ("TestMutexMisuse",)

SOURCE = r"""// A Go program (its own runtime: no libc) whose goroutines run on the threads its scheduler
// makes, which clone places round the nodes: channels, a mutex, atomics, a WaitGroup,
// timers and a ticker, the garbage collector (its workers preempt goroutines with signals),
// a file written and read back, a panic recovered, and over loopback TCP an HTTP server with
// concurrent clients and an echo server (io.Copy between connections: splice).
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// countPrimes counts the primes in [lo, hi) by trial division, allocating as it goes so the
// garbage collector runs while the goroutines work.
func countPrimes(lo, hi int) int {
	n := 0
	for v := lo; v < hi; v++ {
		seen := make([]int, 0, 4)
		prime := v >= 2
		for d := 2; d*d <= v; d++ {
			if v%d == 0 {
				prime = false
				seen = append(seen, d)
				break
			}
		}
		if prime && len(seen) == 0 {
			n++
		}
	}
	return n
}

func primes(limit, workers int) (int, int) {
	jobs := make(chan [2]int, 16)
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				c := countPrimes(j[0], j[1])
				mu.Lock()
				counts[j[0]] = c
				mu.Unlock()
			}
		}()
	}
	const chunk = 5000
	for lo := 0; lo < limit; lo += chunk {
		hi := lo + chunk
		if hi > limit {
			hi = limit
		}
		jobs <- [2]int{lo, hi}
	}
	close(jobs)
	wg.Wait()
	keys := make([]int, 0, len(counts))
	total := 0
	for k, c := range counts {
		keys = append(keys, k)
		total += c
	}
	sort.Ints(keys)
	return len(keys), total
}

func atomics(goroutines, each int) int64 {
	var counter int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				atomic.AddInt64(&counter, 1)
			}
		}()
	}
	wg.Wait()
	return atomic.LoadInt64(&counter)
}

func pingPong(rounds int) int {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < rounds; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	return v
}

func timers() bool {
	timer := time.After(30 * time.Millisecond)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	ticks := 0
	for {
		select {
		case <-tick.C:
			ticks++
		case <-timer:
			return ticks >= 2
		}
	}
}

func recovered() (msg string) {
	defer func() {
		msg = fmt.Sprint(recover())
	}()
	var table []int
	return strconv.Itoa(table[3])
}

func httpRoundTrips(clients int) []string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return []string{"listen: " + err.Error()}
	}
	defer ln.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/square", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		fmt.Fprintf(w, "%d", n*n)
	})
	go http.Serve(ln, mux)
	answers := make([]string, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Get(fmt.Sprintf("http://%s/square?n=%d", ln.Addr(), i))
			if err != nil {
				answers[i] = err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers[i] = fmt.Sprintf("%d:%s", resp.StatusCode, body)
		}(i)
	}
	wg.Wait()
	return answers
}

func tcpEcho() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err.Error()
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	fmt.Fprintf(c, "first line\nsecond line\n")
	r := bufio.NewReader(c)
	a, _ := r.ReadString('\n')
	b, _ := r.ReadString('\n')
	return strings.TrimSpace(a) + " | " + strings.TrimSpace(b)
}

func main() {
	limit := 200000
	if len(os.Args) > 1 {
		limit, _ = strconv.Atoi(os.Args[1])
	}
	fmt.Println("procs", runtime.GOMAXPROCS(0) >= 1)
	chunks, total := primes(limit, 4)
	fmt.Println("chunks", chunks, "primes below", limit, "=", total)
	fmt.Println("atomic counter", atomics(8, 5000))
	fmt.Println("ping-pong", pingPong(2000))
	fmt.Println("ticks before the timer", timers())
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("collections", ms.NumGC > 0)
	err := os.WriteFile("go-file.txt", []byte("written by go\n"), 0644)
	back, err2 := os.ReadFile("go-file.txt")
	fmt.Printf("file %v %v %q\n", err, err2, back)
	fmt.Println("recovered:", recovered())
	fmt.Println("http", strings.Join(httpRoundTrips(6), " "))
	fmt.Println("echo", tcpEcho())
}
"""


@pytest.mark.parametrize("nodes", [(1, 2), (4,)], ids=["1-2", "4"])
def test_go_program_matches_native(tmp_path, nodes):
    exe = build_go(tmp_path, "goprog", SOURCE)
    work = tmp_path / "native"
    work.mkdir()
    out = check_matches_native(tmp_path, "goprog", exe, cwd=work, nodes=nodes).decode()
    assert "primes below 200000 = 17984" in out and "atomic counter 40000" in out, out
    assert "recovered: runtime error: index out of range [3] with length 0" in out, out
    assert "http 200:0 200:1 200:4 200:9 200:16 200:25" in out and "echo first line | second line" in out, out


@pytest.mark.parametrize("nodes", [2, 4])
def test_go_sync_package_tests_pass(tmp_path, nodes):
    for package in GO_PACKAGES:
        exe = build_go_package_test(tmp_path, package)
        listed = subprocess.run([str(exe), "-test.list", ".*"], capture_output=True, check=True, timeout=60).stdout
        names = [n for n in listed.decode().split() if n.startswith("Test") and n not in GO_TESTS_LEFT_OUT]
        assert len(names) > 10, listed
        p = dsmk_run(tmp_path, package.replace("/", "-"), nodes, exe,
                     ["-test.short", "-test.run", "^(%s)$" % "|".join(names)], timeout=300)
        assert p.returncode == 0 and p.stdout.decode().endswith("PASS\n"), (package, p.stdout[-3000:], p.stderr[-2000:])


PROFILE_SOURCE = r"""// Profiles itself (runtime/pprof: Go arms CPU-time timers whose SIGPROFs sample the
// goroutines) while four goroutines compute, and writes the profile to cpu.prof.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
)

func spin(n int) uint64 {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

func main() {
	f, err := os.Create("cpu.prof")
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	var wg sync.WaitGroup
	sums := make([]uint64, 4)
	for g := range sums {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			sums[g] = spin(60000000)
		}(g)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	fmt.Println("profiled:", err, f.Close(), sums[0] == sums[3])
}
"""
PROFILE_MIN_MS = 100  # of the goroutines' CPU time (about 0.5 s natively, more under TCG)


def test_go_cpu_profile_has_samples(tmp_path):
    exe = build_go(tmp_path, "goprof", PROFILE_SOURCE)
    prof = tmp_path / "cpu.prof"
    p = dsmk_run(tmp_path, "goprof", 2, exe, options=["--out", "/cpu.prof:%s" % prof])
    assert p.returncode == 0 and p.stdout.decode() == "profiled: <nil> <nil> true\n", (p.stdout, p.stderr[-2000:])
    top = subprocess.run(["go", "tool", "pprof", "-top", str(exe), str(prof)], capture_output=True,
                         env=go_env(tmp_path), timeout=120).stdout.decode()
    total = re.search(r"Total samples = ([\d.]+)(m?s)", top)
    assert total, top
    ms = float(total.group(1)) * (1 if total.group(2) == "ms" else 1000)
    assert ms >= PROFILE_MIN_MS and "main.spin" in top, top

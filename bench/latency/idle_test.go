//go:build unix

package latency

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
	"github.com/sqlstream/sqlstream/runtime/connector/kafka"
)

// cpuTime is the CPU time the test process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		t.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// idleCPU runs p under the default trigger and, once its first batch is through and it has
// waited a while for more, returns the CPU time the process spent over idle, with no input.
func idleCPU(t *testing.T, p rt.Program, first func(), sink *arrivals, idle time.Duration) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.RunEmbedded(ctx, p, rt.WithOutput(nil, nil)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	first()
	select {
	case <-sink.rows:
	case err := <-done:
		t.Fatalf("the program stopped: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the first record did not reach the sink in a minute")
	}
	time.Sleep(500 * time.Millisecond) // two empty triggers: the wake-ups are armed
	before := cpuTime(t)
	time.Sleep(idle)
	return cpuTime(t) - before
}

// TestAnIdleProgramUsesNoCPU: a files source and a Kafka source (with an in-process broker,
// whose own CPU counts too) waiting for data under the default trigger use under 5% of a
// core over 3 s, a generous bound for a shared machine that a program spinning or polling
// every millisecond exceeds many times over. The figures logged are the measure.
func TestAnIdleProgramUsesNoCPU(t *testing.T) {
	const idle = 3 * time.Second
	bound := idle / 20
	t.Run("files", func(t *testing.T) {
		dir := t.TempDir()
		sink := &arrivals{rows: make(chan int, 16)}
		p := passProgram(rt.Endpoint{Name: "in", Connector: "files", Options: map[string]string{"path": dir}}, files.OpenSource,
			rt.Endpoint{Name: "out", Connector: "bench"}, sink.open)
		used := idleCPU(t, p, func() {
			if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, sink, idle)
		t.Logf("CPU time over %v idle: %v", idle, used)
		if used > bound {
			t.Errorf("the idle program used %v of CPU over %v, more than %v", used, idle, bound)
		}
	})
	t.Run("kafka", func(t *testing.T) {
		c, err := kfake.NewCluster(kfake.SeedTopics(3, "in"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		brokers := strings.Join(c.ListenAddrs(), ",")
		sink := &arrivals{rows: make(chan int, 16)}
		p := passProgram(rt.Endpoint{Name: "in", Connector: "kafka",
			Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "earliest"}}, kafka.OpenSource,
			rt.Endpoint{Name: "out", Connector: "bench"}, sink.open)
		used := idleCPU(t, p, func() {
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "in", Value: []byte("x")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}, sink, idle)
		t.Logf("CPU time over %v idle: %v", idle, used)
		if used > bound {
			t.Errorf("the idle program used %v of CPU over %v, more than %v", used, idle, bound)
		}
	})
}

package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	helperDBEnv    = "METERWIRE_STORE_HELPER_DB"
	helperStartEnv = "METERWIRE_STORE_HELPER_START"
	helperBatch    = 200
)

// TestHelperWriter is not a test: TestKillDuringIngest runs the test binary
// again with only this function selected and helperDBEnv set. It writes
// batches of readings whose "seq" field counts up from helperStartEnv+1,
// and after each acknowledged batch (Add, then PutState of the frame
// counter, both returned) prints "ACK <last seq>".
func TestHelperWriter(t *testing.T) {
	path := os.Getenv(helperDBEnv)
	if path == "" {
		t.Skip("helper process for TestKillDuringIngest")
	}
	seq, _ := strconv.Atoi(os.Getenv(helperStartEnv))
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	deadline := time.Now().Add(time.Minute) // the parent kills us long before
	rs := make([]Reading, helperBatch)
	for time.Now().Before(deadline) {
		for i := range rs {
			seq++
			rs[i] = Reading{
				Meter:  fmt.Sprintf("m%d", seq%7),
				Time:   t0.Add(time.Duration(seq) * time.Millisecond),
				Fields: map[string]any{"seq": seq, "energy": float64(seq) / 3, "pad": strings.Repeat("x", seq%50)},
			}
		}
		if err := s.Add(ctx, rs); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		if err := s.PutState(ctx, "m0", StateFrameCounter, []byte(strconv.Itoa(seq))); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		fmt.Printf("ACK %d\n", seq)
	}
	os.Exit(3)
}

// TestKillDuringIngest kills a writing process with SIGKILL at random
// points and checks that the database opens clean and holds every reading
// (and frame counter) whose write call had returned.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "crash", "m.db")
	present := 0 // highest seq in the database so far
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDBEnv+"="+path, helperStartEnv+"="+strconv.Itoa(present))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killAfter := 3 + rand.IntN(20)
		acked, acks := present, 0
		var other []string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "ACK "); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("bad line %q", line)
				}
				acked = n
				acks++
				if acks == killAfter {
					// Land the kill somewhere inside the next batch.
					time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
					if err := cmd.Process.Kill(); err != nil { // SIGKILL
						t.Fatal(err)
					}
				}
			} else {
				other = append(other, line)
			}
		}
		err = cmd.Wait()
		if acks < killAfter {
			t.Fatalf("round %d: helper exited after %d batches (%v): %q", round, acks, err, other)
		}
		if !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("round %d: helper ended with %v, want killed", round, err)
		}

		integrityCheck(t, path)
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		var total, maxSeq, distinct, upToAck, meterSum int
		err = s.rdb.QueryRow(`SELECT count(*), max(fields->>'seq'), count(DISTINCT fields->>'seq'),
			count(*) FILTER (WHERE fields->>'seq' <= ?) FROM readings`, acked).Scan(&total, &maxSeq, &distinct, &upToAck)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.rdb.QueryRow(`SELECT sum(n) FROM meters`).Scan(&meterSum); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed after %d acks; acked seq %d, database has %d readings up to seq %d", round, acks, acked, total, maxSeq)
		if upToAck != acked {
			t.Errorf("round %d: %d readings with seq <= %d, want %d: acknowledged readings lost", round, upToAck, acked, acked)
		}
		// Batches are atomic: whatever is there is seq 1..max without gaps.
		if total != maxSeq || distinct != maxSeq || (maxSeq-acked)%helperBatch != 0 {
			t.Errorf("round %d: %d readings, %d distinct, max seq %d, acked %d", round, total, distinct, maxSeq, acked)
		}
		if meterSum != total {
			t.Errorf("round %d: meter summaries count %d readings, table has %d", round, meterSum, total)
		}
		fc, ok, err := s.State(ctx, "m0", StateFrameCounter)
		if n, _ := strconv.Atoi(string(fc)); err != nil || !ok || n < acked {
			t.Errorf("round %d: frame counter %q, %v, %v; want >= %d", round, fc, ok, err, acked)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		present = maxSeq
	}
}

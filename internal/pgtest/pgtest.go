// Package pgtest starts a real PostgreSQL server for a test: initdb in a temporary
// directory, a free loopback port, run as the postgres user when the test runs as root.
//
// Without PostgreSQL's binaries (the Debian package postgresql) a test is skipped, except
// under CI=true, where that is a failure: CI installs the package.
package pgtest

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Server is a PostgreSQL server of one test; the test's cleanup stops it and removes its
// files.
type Server struct {
	// DSN connects to its database postgres as the superuser postgres.
	DSN string

	bin, dir string
	port     int
	cred     *syscall.Credential
	cmd      *exec.Cmd
	done     chan error
}

// binDir finds initdb and postgres: on PATH, or under Debian's /usr/lib/postgresql.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(m) == 0 {
		return "", fmt.Errorf("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); install it with apt-get install postgresql")
	}
	sort.Strings(m)
	return filepath.Dir(m[len(m)-1]), nil
}

// Start initialises and starts a server, or skips the test (fails it under CI=true) when
// PostgreSQL is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: .ci/run installs it)", err)
		}
		t.Skipf("skipping: %v", err)
	}
	s := &Server{bin: bin}
	if s.dir, err = os.MkdirTemp("", "pgtest-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(s.dir) })
	if os.Geteuid() == 0 {
		// The server refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(s.dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	out, err := s.command("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C").CombinedOutput()
	if err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// Start starts the stopped server again, on the same port, and waits until it accepts
// connections.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	// fsync off: the tests kill the programs, never the machine.
	s.cmd = s.command("postgres", "-D", s.data(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("starting postgres: %v", err)
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.DSN)
		cancel()
		if err == nil {
			c.Close(context.Background())
			return
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			t.Fatalf("postgres exited: %v\n%s", werr, s.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres does not accept connections after 60s: %v\n%s", err, s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (a fast shutdown: open connections are closed) and waits for it.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Log is the server's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return string(b)
}

// Exec runs statements on the server.
func (s *Server) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	c := s.connect(t)
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// Query runs a query and returns its rows, each as its values (NULL as null) joined by
// ",", sorted.
func (s *Server) Query(t testing.TB, sql string, args ...any) []string {
	t.Helper()
	c := s.connect(t)
	defer c.Close(context.Background())
	rows, err := c.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				cells[i] = "null"
			case time.Time:
				if rows.FieldDescriptions()[i].DataTypeOID == pgtype.DateOID {
					cells[i] = x.Format(time.DateOnly)
					break
				}
				cells[i] = x.UTC().Format("2006-01-02 15:04:05.999999")
			case []byte:
				cells[i] = string(x)
			case driver.Valuer: // numeric
				dv, _ := x.Value()
				cells[i] = fmt.Sprint(dv)
			default:
				cells[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(cells, ","))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	sort.Strings(out)
	return out
}

func (s *Server) connect(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), s.DSN)
	if err != nil {
		t.Fatalf("connecting to the test server: %v", err)
	}
	return c
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Well-known state kinds. Any non-empty string may be used as a kind.
const (
	// StateFrameCounter holds a meter's last accepted frame counter.
	StateFrameCounter = "fcnt"
	// StateSignature holds a meter's compact-frame format signature.
	StateSignature = "signature"
)

// StateEntry is one value for PutStates.
type StateEntry struct {
	Meter string
	Kind  string
	Value []byte
}

// PutState stores value as meter's state of the given kind, replacing any
// previous value, and returns after the write has committed.
func (s *Store) PutState(ctx context.Context, meter, kind string, value []byte) error {
	return s.PutStates(ctx, []StateEntry{{Meter: meter, Kind: kind, Value: value}})
}

// PutStates stores several state values in one transaction; use it to
// persist, say, the frame counters of a whole ingest batch with one commit.
func (s *Store) PutStates(ctx context.Context, entries []StateEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for i, e := range entries {
		if e.Kind == "" {
			return fmt.Errorf("store: put state: entry %d (%s) has no kind", i, e.Meter)
		}
	}
	if err := s.lockWriter(); err != nil {
		return err
	}
	defer s.wmu.Unlock()
	now := time.Now().UnixNano()
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st := tx.StmtContext(ctx, s.w.putState)
		for _, e := range entries {
			v := e.Value
			if v == nil {
				v = []byte{}
			}
			if _, err := st.ExecContext(ctx, e.Kind, e.Meter, v, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put state: %w", err)
	}
	return nil
}

// State returns meter's state of the given kind and whether there is one.
func (s *Store) State(ctx context.Context, meter, kind string) ([]byte, bool, error) {
	if s.closed.Load() {
		return nil, false, ErrClosed
	}
	var v []byte
	err := s.r.state.QueryRowContext(ctx, kind, meter).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: state: %w", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// AllState returns every meter's state of the given kind, keyed by meter;
// the gateway loads it once at start-up.
func (s *Store) AllState(ctx context.Context, kind string) (map[string][]byte, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := s.r.allState.QueryContext(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("store: all state: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]byte)
	for rows.Next() {
		var (
			m string
			v []byte
		)
		if err := rows.Scan(&m, &v); err != nil {
			return nil, fmt.Errorf("store: all state: %w", err)
		}
		if v == nil {
			v = []byte{}
		}
		out[m] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: all state: %w", err)
	}
	return out, nil
}

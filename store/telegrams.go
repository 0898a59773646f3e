package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Telegram outcomes used by the gateway. Outcome is free text; these are
// the values the web UI knows how to colour.
const (
	// OutcomeDecoded: the telegram was decoded and its reading stored.
	OutcomeDecoded = "decoded"
	// OutcomeNoKey: the telegram is encrypted and no key is configured.
	OutcomeNoKey = "no-key"
	// OutcomeWrongKey: decryption with the configured key failed.
	OutcomeWrongKey = "wrong-key"
	// OutcomeCRC: the telegram failed its CRC check.
	OutcomeCRC = "crc"
	// OutcomeReplay: the frame counter did not advance.
	OutcomeReplay = "replay"
	// OutcomeDuplicate: the same telegram was already received.
	OutcomeDuplicate = "duplicate"
)

// TelegramLog is one entry of the telegram log: a received telegram and
// what became of it.
type TelegramLog struct {
	Time    time.Time
	Meter   string // may be empty when the telegram could not be attributed
	Input   string // the input (radio, serial port, …) it arrived on
	Outcome string // see the Outcome constants
	RSSI    *int   // signal strength in dBm, nil when unknown
	Hex     string // the raw telegram, hex-encoded
}

// TelegramFilter selects entries for RecentTelegrams. Empty fields match
// everything.
type TelegramFilter struct {
	Meter   string
	Outcome string
	// Limit caps the number of entries returned; <= 0 means 100.
	Limit int
}

// AddTelegrams appends entries to the telegram log in one transaction and
// trims the log to the most recent Options.TelegramLogSize entries. A zero
// Time is replaced by the current time.
func (s *Store) AddTelegrams(ctx context.Context, entries []TelegramLog) error {
	if len(entries) == 0 || s.opts.TelegramLogSize < 0 {
		if s.closed.Load() {
			return ErrClosed
		}
		return nil
	}
	// Only the newest entries can survive the trim; skip the rest.
	if len(entries) > s.opts.TelegramLogSize {
		entries = entries[len(entries)-s.opts.TelegramLogSize:]
	}
	if err := s.lockWriter(); err != nil {
		return err
	}
	defer s.wmu.Unlock()
	w := &s.w
	now := time.Now()
	w.args = w.args[:0]
	for i := range entries {
		e := &entries[i]
		t := e.Time
		if !validTime(t) {
			t = now
		}
		var rssi any
		if e.RSSI != nil {
			rssi = int64(*e.RSSI)
		}
		w.args = append(w.args, t.UnixNano(), e.Meter, e.Input, e.Outcome, rssi, e.Hex)
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := w.telegrams.exec(ctx, tx, w.args); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, w.trimLog).ExecContext(ctx, s.opts.TelegramLogSize)
		return err
	})
	clear(w.args)
	if err != nil {
		return fmt.Errorf("store: add telegrams: %w", err)
	}
	return nil
}

// RecentTelegrams returns the newest telegram log entries matching filter,
// newest first; within one AddTelegrams batch, later entries count as newer.
func (s *Store) RecentTelegrams(ctx context.Context, filter TelegramFilter) ([]TelegramLog, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	limit := filter.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.telegrams.QueryContext(ctx, filter.Meter, filter.Outcome, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent telegrams: %w", err)
	}
	defer rows.Close()
	var out []TelegramLog
	for rows.Next() {
		var (
			e    TelegramLog
			t    int64
			rssi sql.NullInt64
		)
		if err := rows.Scan(&t, &e.Meter, &e.Input, &e.Outcome, &rssi, &e.Hex); err != nil {
			return nil, fmt.Errorf("store: recent telegrams: %w", err)
		}
		e.Time = fromNsec(t)
		if rssi.Valid {
			v := int(rssi.Int64)
			e.RSSI = &v
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent telegrams: %w", err)
	}
	return out, nil
}

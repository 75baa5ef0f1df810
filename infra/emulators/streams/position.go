package streams

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

// position is what Config.PositionFile holds: per shard of one stream, the sequence
// number of the last record handled. A shard stays listed once handled, even after it
// closes, so that a restart never reads it again from its start.
type position struct {
	StreamARN string            `json:"stream_arn"`
	Shards    map[string]string `json:"shards"`
}

// loadPosition reads the file; nil when there is none or it describes another stream
// (the table was created again).
func loadPosition(path, streamARN string) (*position, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	var pos position
	if err := json.Unmarshal(b, &pos); err != nil {
		return nil, fmt.Errorf("streams: position file %s: %w", path, err)
	}
	if pos.StreamARN != streamARN {
		return nil, nil
	}
	return &pos, nil
}

// save records the shards' handled positions when they changed, by an atomic rename.
func (p *Poller) save() error {
	if p.cfg.PositionFile == "" {
		return nil
	}
	next := maps.Clone(p.saved.Shards)
	maps.Copy(next, p.retired)
	for id, s := range p.shards {
		if s.doneSeq != "" {
			next[id] = s.doneSeq
		}
	}
	if maps.Equal(next, p.saved.Shards) && fileExists(p.cfg.PositionFile) {
		return nil
	}
	b, err := json.MarshalIndent(position{StreamARN: p.streamARN, Shards: next}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.cfg.PositionFile), 0o755); err != nil {
		return fmt.Errorf("streams: %w", err)
	}
	tmp := p.cfg.PositionFile + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("streams: %w", err)
	}
	if err := os.Rename(tmp, p.cfg.PositionFile); err != nil {
		return fmt.Errorf("streams: %w", err)
	}
	p.saved.Shards = next
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

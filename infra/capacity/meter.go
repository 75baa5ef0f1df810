package main

import (
	"cmp"
	"slices"
)

// meter counts, per simulated second, the read units of every item and the write
// units of every partition (base table and each index), then keeps what the report
// needs: the hottest of each per second, and the totals. Reads are strongly consistent
// reads of items under 4 KB: one unit each, present or absent (DynamoDB bills a missing
// item like a small one).
type meter struct {
	counting bool // false during the warm-up
	reads    map[itemID]float64
	writes   map[partID]float64
	items    map[string]float64 // base-table writes per item

	seconds     int
	readUnits   float64
	writeUnits  float64
	checks      float64 // weighted: what the sampled containers stand for
	authorized  float64
	hotRead     map[string]hot // per item kind
	hotWrite    map[string]hot // per index ("table" = the base table's partitions)
	hotItem     hot            // base-table item with the most write units in a second
	topWrites   []hot          // the hottest partitions of the worst second
	readPerKind map[string]float64
}

type partID struct{ index, pk string }

type hot struct {
	units float64
	what  string
	sec   int
}

func newMeter() *meter {
	m := &meter{hotRead: map[string]hot{}, hotWrite: map[string]hot{}, readPerKind: map[string]float64{}}
	m.reset()
	return m
}

func (m *meter) reset() {
	m.reads = map[itemID]float64{}
	m.writes = map[partID]float64{}
	m.items = map[string]float64{}
}

func (m *meter) read(id itemID, w float64) {
	if m.counting {
		m.reads[id] += w
	}
}

func (m *meter) write(index, pk, item string, units float64) {
	if !m.counting {
		return
	}
	m.writes[partID{index, pk}] += units
	if item != "" {
		m.items[item] += units
	}
}

func (m *meter) check(auth bool, w float64) {
	if !m.counting {
		return
	}
	m.checks += w
	if auth {
		m.authorized += w
	}
}

// flush closes simulated second sec.
func (m *meter) flush(sec int) {
	if !m.counting {
		m.reset()
		return
	}
	m.seconds++
	for id, u := range m.reads {
		m.readUnits += u
		m.readPerKind[id.kind] += u
		if h := m.hotRead[id.kind]; u > h.units {
			m.hotRead[id.kind] = hot{u, id.String(), sec}
		}
	}
	var worst float64
	parts := make([]hot, 0, len(m.writes))
	for p, u := range m.writes {
		m.writeUnits += u
		if h := m.hotWrite[p.index]; u > h.units {
			m.hotWrite[p.index] = hot{u, p.index + " " + p.pk, sec}
		}
		worst = max(worst, u)
		parts = append(parts, hot{u, p.index + " " + p.pk, sec})
	}
	if len(m.topWrites) == 0 || worst > m.topWrites[0].units {
		slices.SortFunc(parts, func(a, b hot) int { return cmp.Compare(b.units, a.units) })
		m.topWrites = parts[:min(6, len(parts))]
	}
	for it, u := range m.items {
		if u > m.hotItem.units {
			m.hotItem = hot{u, it, sec}
		}
	}
	m.reset()
}

func (id itemID) String() string {
	s := id.kind + " " + id.a
	for _, p := range []string{id.b, id.c, id.d} {
		if p != "" {
			s += "/" + p
		}
	}
	return s
}

// hottestRead is the item with the most read units in any second, of any kind.
func (m *meter) hottestRead() hot {
	var h hot
	for _, x := range m.hotRead {
		if x.units > h.units {
			h = x
		}
	}
	return h
}

func (m *meter) hottestWrite() hot {
	var h hot
	for _, x := range m.hotWrite {
		if x.units > h.units {
			h = x
		}
	}
	return h
}

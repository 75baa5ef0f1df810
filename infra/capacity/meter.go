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
	items    map[partID]float64 // base-table writes per item: (PK, SK)
	inPlace  map[string]bool    // base-table partitions where an item was ever updated, deleted or checked

	seconds     int
	readUnits   float64
	writeUnits  float64
	checks      float64 // weighted: what the sampled containers stand for
	authorized  float64
	hotRead     map[string]hot // per item kind
	hotWrite    map[string]hot // per index ("table" = the base table's partitions)
	hotItem     hot            // base-table item with the most write units in a second
	hotLimit    hot            // the write load judged against the limit (see partitionLoad)
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
	m := &meter{hotRead: map[string]hot{}, hotWrite: map[string]hot{}, readPerKind: map[string]float64{}, inPlace: map[string]bool{}}
	m.reset()
	return m
}

func (m *meter) reset() {
	m.reads = map[itemID]float64{}
	m.writes = map[partID]float64{}
	m.items = map[partID]float64{}
}

func (m *meter) read(id itemID, w float64) {
	if m.counting {
		m.reads[id] += w
	}
}

// write meters units on partition pk of index ("table": the base table); sk names the
// base-table item, and inPlace tells an update, delete or check of an existing item
// from the insert of a new one.
func (m *meter) write(index, pk, sk string, units float64, inPlace bool) {
	if inPlace && index == "table" {
		m.inPlace[pk] = true
	}
	if !m.counting {
		return
	}
	m.writes[partID{index, pk}] += units
	if index == "table" {
		m.items[partID{pk, sk}] += units
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
	perItem := map[string]float64{} // base-table partition → its hottest item
	for it, u := range m.items {
		if u > m.hotItem.units {
			m.hotItem = hot{u, it.index + "|" + it.pk, sec}
		}
		perItem[it.index] = max(perItem[it.index], u)
	}
	for p, u := range m.writes {
		if l := m.partitionLoad(p, u, perItem); l > m.hotLimit.units {
			m.hotLimit = hot{l, p.index + " " + p.pk, sec}
		}
	}
	m.reset()
}

// partitionLoad is the write load of partition p that DynamoDB's per-partition limit
// applies to. An index partition, and a base-table partition that only ever receives
// new items (the audit log: its sort keys are times, so new items always land at the
// end), is one partition whatever its size. A base-table partition whose items are
// updated in place (an API's grant slots) is an item collection that DynamoDB splits
// by sort key when it is hot (the table has no local index), down to one item per
// partition: its load is its hottest item's.
func (m *meter) partitionLoad(p partID, units float64, perItem map[string]float64) float64 {
	if p.index == "table" && m.inPlace[p.pk] {
		return perItem[p.pk]
	}
	return units
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

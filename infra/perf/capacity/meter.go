package main

import (
	"cmp"
	"slices"
	"strings"
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
	batches     float64 // the check's and the authorizer's BatchGetItems, weighted
	cached      float64 // calls answered without a read (bounded mode), weighted
	authorized  float64
	hotRead     map[string]hot // per item kind
	hotWrite    map[string]hot // per index ("table" = the base table's partitions)
	hotItem     hot            // base-table item with the most write units in a second
	hotLimit    hot            // the write load judged against the limit (see partitionLoad)
	topWrites   []hot          // the hottest partitions of the worst second
	readPerKind map[string]float64
	hotNonce    hot                   // the nonce partition with the most write units in a second
	calls       map[string]*callUnits // per kind of call: check, AppCode or signed authorization
	// what the current call has read and written so far, weighted (see call)
	curRead, curWrite, curNonce float64
}

// callUnits are the units the calls of one kind used, weighted.
type callUnits struct{ calls, reads, writes, nonces float64 }

type partID struct{ index, pk string }

type hot struct {
	units float64
	what  string
	sec   int
}

func newMeter() *meter {
	m := &meter{hotRead: map[string]hot{}, hotWrite: map[string]hot{}, readPerKind: map[string]float64{}, inPlace: map[string]bool{},
		calls: map[string]*callUnits{}}
	m.reset()
	return m
}

func (m *meter) reset() {
	m.reads = map[itemID]float64{}
	m.writes = map[partID]float64{}
	m.items = map[partID]float64{}
}

// read meters w read units on item id; share is the part of them that counts for
// the item itself (1, or 1/n for a copy chosen at random among n).
func (m *meter) read(id itemID, w, share float64) {
	if m.counting {
		m.reads[id] += w * share
		m.readUnits += w * (1 - share) // billed in full all the same
		m.curRead += w
	}
}

// spread meters a write of units by each of w calls on partitions of their own (a
// signed call's nonce): the partition pk takes units, as each of theirs does, and the
// totals take all w of them.
func (m *meter) spread(index, pk, sk string, units, w float64) {
	if !m.counting {
		return
	}
	m.write(index, pk, sk, units, false)
	m.writeUnits += units * (w - 1)
	m.curWrite += units * w
	m.curNonce += w
}

// begin starts a call: what is read and written until call is its.
func (m *meter) begin() { m.curRead, m.curWrite, m.curNonce = 0, 0, 0 }

// call closes the call begun last: what it read and wrote goes to its kind.
func (m *meter) call(kind string, w float64) {
	if m.counting {
		c := m.calls[kind]
		if c == nil {
			c = &callUnits{}
			m.calls[kind] = c
		}
		c.calls += w
		c.reads += m.curRead
		c.writes += m.curWrite
		c.nonces += m.curNonce
	}
	m.curRead, m.curWrite, m.curNonce = 0, 0, 0
}

// batch counts one BatchGetItem of the check's path (weighted).
func (m *meter) batch(w float64) {
	if m.counting {
		m.batches += w
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
		kind := id.kind()
		m.readPerKind[kind] += u
		if h := m.hotRead[kind]; u > h.units {
			m.hotRead[kind] = hot{u, id.key, sec}
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
		if strings.HasPrefix(p.pk, "NONCE#") && u > m.hotNonce.units {
			m.hotNonce = hot{u, p.pk, sec}
		}
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

// kind names what an item is, for the report: from its key's shape.
func (id itemID) kind() string {
	pk, sk, _ := strings.Cut(id.key, "|")
	copyOf := ""
	if strings.HasSuffix(pk, "#R**") {
		copyOf = " (each copy)"
	}
	switch {
	case strings.HasPrefix(sk, "GRANT#"):
		return "grant slot"
	case strings.HasPrefix(pk, "API#"):
		return "API" + copyOf
	case strings.HasPrefix(pk, "APP#"):
		return "app" + copyOf
	case strings.HasPrefix(pk, "CODE#"):
		return "AppCode" + copyOf
	case strings.HasPrefix(pk, "PATH#"):
		return "path" + copyOf
	case strings.HasPrefix(pk, "AKEY#"):
		return "AppKey" + copyOf
	case strings.HasPrefix(pk, "UNIT#"):
		return "unit"
	}
	return strings.SplitN(pk, " ", 2)[0]
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

package access

import "time"

// R20: changedValidity returns g with its end changed to v at now, for a reviewer
// (PATCH with validity). Extending acts at once, as a reviewer's renewal does (R6);
// shortening may not end the grant before now + CancelNotice, the notice owed to the
// grantee, and never touches a protected grant (R10). Days count from now. Reminders
// are re-armed for the new end (R16).
func (s *Service) changedValidity(op string, g Grant, v Validity, now time.Time) (Grant, error) {
	end, err := v.End(now) // R2: the end lies in the future
	if err != nil {
		return Grant{}, err
	}
	if shortens(g.EndTime, end) {
		if g.Protected {
			return Grant{}, E(op, CodeGrantProtected, "grant %s is protected: it may be extended, never shortened", g.ID)
		}
		earliest := ceilSecond(now.Add(s.CancelNotice))
		if end.Before(earliest) {
			e := invalid(op, CodeValidity, "a shorter validity may not end the grant before %s (the notice owed to the grantee)", earliest.Format(time.RFC3339))
			e.EarliestEnd = &earliest
			return Grant{}, e
		}
	}
	next := g
	next.EndTime = end
	if !sameEnd(g.EndTime, end) {
		next.rearm(now, s.ReminderDays)
	}
	return next, nil
}

// shortens reports whether next ends before cur, unlimited (nil) being the latest:
// whether cur would extend next.
func shortens(cur, next *time.Time) bool { return Extends(next, cur) }

func sameEnd(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}

// ceilSecond rounds t up to a whole second: ends are kept to the second (R2), so the
// earliest end offered is one a caller can name.
func ceilSecond(t time.Time) time.Time {
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}

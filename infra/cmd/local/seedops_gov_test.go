package main

import (
	"testing"
	"time"

	"gatepass/shared/client"
)

// govRows are the operations past the seed products (issue 23, docs/seed-operations.md
// section 005), done through the generated client as a platform administrator would.
var govRows = []seedRow{
	{"005-01_scheduled_start", func(t *testing.T, w *seedWorld) {
		api, app := w.newAPI(t, ""), w.newApp(t, "", "")
		// The start lies 20 s ahead: whatever the machine's load, an answer that comes back
		// before it must show the grant SCHEDULED and the check NOT_YET_VALID (the server
		// decided at or before the answer); GRANTED follows within waitFor's 30 s.
		start := time.Now().Add(20 * time.Second).UTC().Truncate(time.Second)
		g := w.grant(t, w.admin, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(30), StartTime: &start})[0]
		if g.StartTime == nil || !g.StartTime.Equal(start) || g.EndTime == nil || !g.EndTime.Equal(start.Add(30*24*time.Hour)) ||
			(time.Now().Before(start) && g.Status != client.GrantStatusSCHEDULED) {
			t.Fatalf("scheduled grant: %+v", g)
		}
		in := client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD}
		if d := w.decide(t, in); time.Now().Before(start) && (d.Reason != client.CheckReasonNOTYETVALID || d.StartsAt == nil || !d.StartsAt.Equal(start)) {
			t.Fatalf("before the start: %+v", d)
		}
		res, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "a second grant of the scheduled slot", res, err, 409, "Conflict.GrantExists")
		w.waitReason(t, "the start", in, client.CheckReasonGRANTED)
	}},
	{"005-02_policy_caps_validity", func(t *testing.T, w *seedWorld) {
		api := w.newAPI(t, "")
		res, err := w.admin.PutApiPolicyWithResponse(w.ctx, api, nil, client.PolicyInput{MaxValidityDays: ptr(90), MaxRenewalDays: ptr(30)})
		if p := expect(t, "PutApiPolicy", res, err, 200).JSON200; p.Version != 1 || p.MaxValidityDays == nil || *p.MaxValidityDays != 90 {
			t.Fatalf("policy: %+v", p)
		}
		beyond, err := w.reviewer.CreateGrantsWithResponse(w.ctx, api, nil, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: unlimited()})
		expectError(t, "an unlimited grant under max_validity_days", beyond, err, 400, "InvalidParameter.Policy")
		w.grant(t, w.reviewer, api, client.GrantInput{Subject: ptr(w.wsSubject(w.wsB)), Envs: prodOnly, Validity: days(90)})
	}},
}

func init() { seedRows = append(seedRows, govRows...) }

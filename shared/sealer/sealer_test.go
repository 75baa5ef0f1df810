package sealer

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// fakeKMS stands for KMS above the KMS interface: a data key wrapped by XOR with a
// fixed byte, and a count of calls (the per-call path must make none).
type fakeKMS struct{ generate, decrypt int }

func wrap(b []byte) []byte {
	out := bytes.Clone(b)
	for i := range out {
		out[i] ^= 0x5a
	}
	return out
}

func (f *fakeKMS) GenerateDataKey(_ context.Context, _ *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	f.generate++
	k := bytes.Repeat([]byte{7}, 32)
	return &kms.GenerateDataKeyOutput{Plaintext: k, CiphertextBlob: wrap(k)}, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.decrypt++
	return &kms.DecryptOutput{Plaintext: wrap(in.CiphertextBlob)}, nil
}

func TestSealer_EnvelopeOpensWithoutKMSOnTheCallPath(t *testing.T) {
	ctx := context.Background()
	f := &fakeKMS{}
	writer := KMSSealer(f, "alias/test")
	sealed, err := writer.Seal(ctx, []byte("app-secret"))
	if err != nil || bytes.Contains(sealed, []byte("app-secret")) {
		t.Fatalf("seal: %v, plain text inside: %v", err, bytes.Contains(sealed, []byte("app-secret")))
	}
	reader := KMSSealer(f, "alias/test") // another container
	for range 3 {
		got, err := reader.Open(ctx, sealed)
		if err != nil || string(got) != "app-secret" {
			t.Fatalf("open: %q, %v", got, err)
		}
	}
	if f.generate != 1 || f.decrypt != 1 {
		t.Errorf("KMS calls: %d GenerateDataKey, %d Decrypt; want 1 and 1 (the data key is cached per container)", f.generate, f.decrypt)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := reader.Open(ctx, sealed); err != ErrSealed {
		t.Errorf("a tampered value: got %v, want ErrSealed", err)
	}
}

func TestSealer_DevKey(t *testing.T) {
	ctx := context.Background()
	a, b := DevSealer("one"), DevSealer("two")
	sealed, err := a.Seal(ctx, []byte("s"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Open(ctx, sealed); err != nil || string(got) != "s" {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := b.Open(ctx, sealed); err != ErrSealed {
		t.Errorf("another development key opened it: %v", err)
	}
}

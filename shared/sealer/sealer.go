// Package sealer keeps AppSecrets encrypted at rest (access.Sealer): AES-256-GCM under
// a data key, the data key's own encrypted form stored beside each sealed value
// (envelope encryption).
//
// In AWS the data key is a KMS data key of the stack's key (template.yaml
// AppSecretsKey): a container makes one with GenerateDataKey the first time it seals,
// and opens each encrypted data key it meets with Decrypt once, then from its cache, so
// KMS is never on the per-call path of the authorizer. Locally (the development server,
// tests, sam local without KMS) the data key is a development key derived from
// APP_SECRETS_DEV_KEY. docs/security.md says how the key is rotated.
package sealer

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMS is the part of the KMS client a Sealer calls.
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Sealer seals and opens values; safe for concurrent use.
type Sealer struct {
	kms   KMS    // nil: the development key
	keyID string // the KMS key (id, ARN or alias)

	mu      sync.Mutex
	current *dataKey          // the data key this container seals with
	opened  map[string][]byte // encrypted data key → plain data key
}

type dataKey struct {
	plain, encrypted []byte
}

// aad binds a sealed value to what it is, so a ciphertext cannot be moved to
// another use of the same key.
var aad = []byte("gatepass AppSecret v1")

// KMSSealer seals under data keys of KMS key keyID.
func KMSSealer(client KMS, keyID string) *Sealer {
	return &Sealer{kms: client, keyID: keyID, opened: map[string][]byte{}}
}

// DevSealer seals under a development key derived from secret: for the development
// server and tests only (anyone with the secret can open what it sealed).
func DevSealer(secret string) *Sealer {
	sum := sha256.Sum256([]byte("gatepass development AppSecret key\x00" + secret))
	marker := []byte("dev")
	return &Sealer{current: &dataKey{plain: sum[:], encrypted: marker}, opened: map[string][]byte{string(marker): sum[:]}}
}

// Seal encrypts plain: version 1, the encrypted data key's length (2 bytes) and bytes,
// a 12-byte GCM nonce, the ciphertext.
func (s *Sealer) Seal(ctx context.Context, plain []byte) ([]byte, error) {
	dk, err := s.dataKey(ctx)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(dk.plain)
	if err != nil {
		return nil, err
	}
	out := []byte{1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(dk.encrypted)))
	out = append(out, dk.encrypted...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plain, aad), nil
}

// ErrSealed is a sealed value that does not parse or does not open.
var ErrSealed = errors.New("sealer: the sealed value does not open")

// Open decrypts what Seal sealed, with the data key from the cache or, the first time
// this container meets it, from KMS.
func (s *Sealer) Open(ctx context.Context, sealed []byte) ([]byte, error) {
	if len(sealed) < 3 || sealed[0] != 1 {
		return nil, ErrSealed
	}
	n := int(binary.BigEndian.Uint16(sealed[1:3]))
	if len(sealed) < 3+n+12 {
		return nil, ErrSealed
	}
	edk, rest := sealed[3:3+n], sealed[3+n:]
	key, err := s.open(ctx, edk)
	if err != nil {
		return nil, err
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad)
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

func (s *Sealer) dataKey(ctx context.Context) (*dataKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil {
		return s.current, nil
	}
	out, err := s.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(s.keyID), KeySpec: kmstypes.DataKeySpecAes256,
		EncryptionContext: map[string]string{"purpose": "gatepass-appsecret"},
	})
	if err != nil {
		return nil, fmt.Errorf("sealer: GenerateDataKey: %w", err)
	}
	s.current = &dataKey{plain: out.Plaintext, encrypted: out.CiphertextBlob}
	s.opened[string(out.CiphertextBlob)] = out.Plaintext
	return s.current, nil
}

func (s *Sealer) open(ctx context.Context, edk []byte) ([]byte, error) {
	s.mu.Lock()
	key, ok := s.opened[string(edk)]
	s.mu.Unlock()
	if ok {
		return key, nil
	}
	if s.kms == nil {
		return nil, ErrSealed // sealed under another development key
	}
	out, err := s.kms.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: edk, KeyId: aws.String(s.keyID),
		EncryptionContext: map[string]string{"purpose": "gatepass-appsecret"},
	})
	if err != nil {
		return nil, fmt.Errorf("sealer: Decrypt: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.opened) > 1024 { // data keys turn over per container; keep the map bounded
		clear(s.opened)
	}
	s.opened[string(edk)] = out.Plaintext
	return out.Plaintext, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

package kafka

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// TestSASL connects to a broker that requires SASL, with PLAIN and SCRAM, the password
// from the environment; a wrong password or missing options are clear errors.
func TestSASL(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "t"), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "ann", "secret"), kfake.Superuser("SCRAM-SHA-256", "bob", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv("KAFKA_PASSWORD", "s3cret")
	brokers := strings.Join(c.ListenAddrs(), ",")
	openWith := func(opts map[string]string) error {
		o := map[string]string{"brokers": brokers, "topic": "t", "security_protocol": "sasl_plaintext"}
		for k, v := range opts {
			o[k] = v
		}
		src, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "kafka", Options: o, Stderr: &syncBuffer{}})
		if err == nil {
			_, err = src.Next(context.Background(), nil, true)
			src.Close()
		}
		return err
	}
	if err := openWith(map[string]string{"sasl_username": "ann", "sasl_password": "secret"}); err != nil {
		t.Errorf("PLAIN: %v", err)
	}
	if err := openWith(map[string]string{"sasl_mechanism": "SCRAM-SHA-256", "sasl_username": "bob", "sasl_password": "env:KAFKA_PASSWORD"}); err != nil {
		t.Errorf("SCRAM: %v", err)
	}
	if err := openWith(map[string]string{"sasl_username": "ann", "sasl_password": "wrong"}); err == nil {
		t.Error("a wrong password must fail")
	}
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"sasl_username": "ann", "sasl_password": "env:NOT_SET_ANYWHERE"}, "environment variable NOT_SET_ANYWHERE is not set"},
		{map[string]string{}, "needs sasl_username and sasl_password"},
		{map[string]string{"security_protocol": "plaintext", "sasl_username": "x"}, "does not use SASL"},
		{map[string]string{"security_protocol": "plaintext", "tls_ca_file": "/x"}, "does not use TLS"},
		{map[string]string{"security_protocol": "ssl", "tls_ca_file": "/nonexistent.pem"}, "tls_ca_file"},
	} {
		if err := openWith(c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.opts, err, c.want)
		}
	}
}

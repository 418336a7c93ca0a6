package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// securityOpts are the client options of the security_protocol, sasl_* and tls_ca_file
// options: TLS with the system's or the given authorities, SASL PLAIN or SCRAM.
func securityOpts(o map[string]string) ([]kgo.Opt, error) {
	proto := strings.ToLower(o["security_protocol"])
	var opts []kgo.Opt
	if proto == "ssl" || proto == "sasl_ssl" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if f := o["tls_ca_file"]; f != "" {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("tls_ca_file: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("tls_ca_file %s holds no PEM certificate", f)
			}
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	} else if o["tls_ca_file"] != "" {
		return nil, fmt.Errorf("tls_ca_file is set but security_protocol %q does not use TLS (use ssl or sasl_ssl)", proto)
	}
	if proto != "sasl_plaintext" && proto != "sasl_ssl" {
		if o["sasl_username"] != "" {
			return nil, fmt.Errorf("sasl_username is set but security_protocol %q does not use SASL (use sasl_plaintext or sasl_ssl)", proto)
		}
		return opts, nil
	}
	user, pass := o["sasl_username"], o["sasl_password"]
	if name, ok := strings.CutPrefix(pass, "env:"); ok {
		if pass, ok = os.LookupEnv(name); !ok {
			return nil, fmt.Errorf("sasl_password: the environment variable %s is not set", name)
		}
	}
	if user == "" {
		return nil, fmt.Errorf("security_protocol %s needs sasl_username and sasl_password", proto)
	}
	var m sasl.Mechanism
	switch mech := strings.ToUpper(o["sasl_mechanism"]); mech {
	case "", "PLAIN":
		m = plain.Plain(func(context.Context) (plain.Auth, error) { return plain.Auth{User: user, Pass: pass}, nil })
	case "SCRAM-SHA-256":
		m = scram.Sha256(func(context.Context) (scram.Auth, error) { return scram.Auth{User: user, Pass: pass}, nil })
	case "SCRAM-SHA-512":
		m = scram.Sha512(func(context.Context) (scram.Auth, error) { return scram.Auth{User: user, Pass: pass}, nil })
	default:
		return nil, fmt.Errorf("sasl_mechanism %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", mech)
	}
	return append(opts, kgo.SASL(m)), nil
}

package main

import (
	"fmt"
	"io"

	"github.com/shepgate/shepgate/adapter/pki"
)

func cmdPKI(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "init" {
		return usagef("pki needs a subcommand: init")
	}
	fs := newFlags("pki init", stderr)
	dir := fs.String("dir", "", "directory to create the test PKI in (required)")
	base := fs.String("base-url", pki.DefaultBaseURL, "address of the НУЦ mock, written into the certificates' OCSP/CRL URLs")
	alg := fs.String("alg", "rsa", "key algorithm of the entries that do not pin one: rsa or ecdsa")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("pki init: --dir is required")
	}
	opts := pki.Options{Dir: *dir, BaseURL: *base}
	switch *alg {
	case "rsa":
		opts.Algorithm = pki.RSA2048
	case "ecdsa":
		opts.Algorithm = pki.ECDSAP256
	default:
		return usagef("pki init: --alg must be rsa or ecdsa, not %q", *alg)
	}
	p, err := pki.Init(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test PKI in %s (%d certificates; index %s/pki.json; trust roots %s/roots.pem)\n",
		p.Dir(), len(p.Entries()), p.Dir(), p.Dir())
	for _, e := range p.Entries() {
		id := e.IIN
		if id == "" {
			id = e.BIN
		}
		fmt.Fprintf(stdout, "  %-20s %-9s %-10s %-12s %s\n", e.Name, e.Status, e.Role, id, e.Owner)
	}
	return nil
}

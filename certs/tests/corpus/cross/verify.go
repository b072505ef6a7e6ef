// The verdict of Go's crypto/x509 (what etcd and kube-apiserver verify
// with) on one case of this directory: CASE/chain.pem (the leaf, then
// untrusted intermediates), CASE/roots.pem, and CASE/args (optional lines
// usage=server|client and host=NAME). Prints "ok" or "fail: reason".
// Run by ./regenerate; the tests read its output from verdicts.txt.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

func certs(path string) []*x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			panic(err)
		}
		out = append(out, c)
	}
}

func main() {
	dir := os.Args[1]
	chain := certs(dir + "/chain.pem")
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, r := range certs(dir + "/roots.pem") {
		opts.Roots.AddCert(r)
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	args, _ := os.ReadFile(dir + "/args")
	for _, line := range strings.Split(string(args), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "usage":
			if v == "server" {
				opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			} else {
				opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			}
		case "host":
			opts.DNSName = v
		}
	}
	if _, err := chain[0].Verify(opts); err != nil {
		fmt.Println("fail:", err)
		return
	}
	fmt.Println("ok")
}

// Command shepgate is the ШЭП connector's daemon and everyday tool.
//
//	shepgate serve  [--addr 127.0.0.1:8080] [--data ./var] [--roles nuc,gateway,provider,portal] [--fixtures FILE]
//	shepgate pki init --dir DIR [--base-url URL] [--alg rsa|ecdsa]
//	shepgate sign --key FILE --cert FILE IN
//	shepgate verify --roots FILE [--intermediates FILE] IN
//	shepgate mock nuc|gbdfl|enis --addr ADDR [--pki DIR] [--test-mode] [--scenarios FILE]
//	shepgate client services
//	shepgate client request --service ID --iin IIN [--as CERT] [--server URL] [--data DIR] [--pki DIR] [--out DIR]
//
// Exit status: 0 success, 1 the operation failed (the reason is printed), 2 bad usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `shepgate — connector for Kazakhstan's e-government gateway (ШЭП)

Usage:
  shepgate serve  [--addr 127.0.0.1:8080] [--data ./var] [--roles nuc,gateway,provider,portal] [--fixtures FILE]
  shepgate pki init --dir DIR [--base-url URL] [--alg rsa|ecdsa]
  shepgate sign --key FILE --cert FILE IN          (signed XML to standard output)
  shepgate verify --roots FILE [--intermediates FILE] IN
  shepgate mock nuc|gbdfl|enis --addr ADDR [--pki DIR] [--test-mode] [--scenarios FILE]
  shepgate client services
  shepgate client request --service ID --iin IIN [--as CERT] [--server URL] [--data DIR] [--pki DIR] [--out DIR]

Run "shepgate COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(args[1:], stdout, stderr)
	case "pki":
		err = cmdPKI(args[1:], stdout, stderr)
	case "sign":
		err = cmdSign(args[1:], stdin, stdout, stderr)
	case "verify":
		err = cmdVerify(args[1:], stdin, stdout, stderr)
	case "mock":
		err = cmdMock(args[1:], stdout, stderr)
	case "client":
		err = cmdClient(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q", args[0])
	}
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "shepgate: %v\n\n%s", err, usage)
		}
		return 2
	}
	fmt.Fprintf(stderr, "shepgate: %v\n", err)
	return 1
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("shepgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// readInput reads a file, or standard input for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return b, nil
}

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Every flag of `serve` and `mock` can also be set in a configuration file and in the
// environment. Precedence: command-line flags, then environment variables, then the file, then
// the defaults. The file is JSON, an object whose keys are the flag names:
//
//	{"addr": "0.0.0.0:8080", "data": "/var/lib/shepgate", "status-policy": "hard", "lease": "2m"}
//
// It is named by --config FILE or SHEPGATE_CONFIG. The environment variable of a flag is
// SHEPGATE_ followed by its name in upper case with dashes as underscores (SHEPGATE_STATUS_POLICY).
// A bad value is refused with the setting's name and where it came from.

// EnvPrefix is the prefix of shepgate's environment variables.
const EnvPrefix = "SHEPGATE_"

// envName returns the environment variable of a flag.
func envName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// configure applies the configuration file and the environment to fs, then parses args. It
// returns a usage error naming the bad setting and its source.
func configure(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	configFile := fs.String("config", getenv(EnvPrefix+"CONFIG"), "JSON configuration file (keys: the flag names); also SHEPGATE_CONFIG")
	// The file's name may itself be a flag: find it before parsing the rest.
	for i, a := range args {
		switch {
		case a == "--config" || a == "-config":
			if i+1 < len(args) {
				*configFile = args[i+1]
			}
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			*configFile = a[strings.Index(a, "=")+1:]
		}
	}
	if *configFile != "" {
		raw, err := os.ReadFile(*configFile)
		if err != nil {
			return usagef("config: %v", err)
		}
		var settings map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&settings); err != nil {
			return usagef("config %s: not a JSON object: %v", *configFile, err)
		}
		keys := make([]string, 0, len(settings))
		for k := range settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "config" || fs.Lookup(k) == nil {
				return usagef("config %s: unknown setting %q (the settings are the flags of this command)", *configFile, k)
			}
			var v any
			if err := json.Unmarshal(settings[k], &v); err != nil {
				return usagef("config %s: setting %q: %v", *configFile, k, err)
			}
			switch v.(type) {
			case string, bool, float64:
			default:
				return usagef("config %s: setting %q must be a string, a number or a boolean", *configFile, k)
			}
			if err := fs.Set(k, fmt.Sprint(v)); err != nil {
				return usagef("config %s: setting %q: %v", *configFile, k, err)
			}
		}
	}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if envErr != nil || f.Name == "config" {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = usagef("environment %s: %v", envName(f.Name), err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	return parse(fs, args)
}

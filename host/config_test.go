package host

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// mapEnv is an environment for LoadConfig's lookup.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// writeTOML writes text to a file in a fresh temporary directory and returns its path.
func writeTOML(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agentlens.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// inEmptyDir makes the working directory an empty temporary one, so that no
// implicit ./agentlens.toml is found.
func inEmptyDir(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
}

func TestShippedConfig_IsDefault(t *testing.T) {
	f, err := os.Open("../agentlens.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// Parsing over the zero Config shows exactly what the file sets.
	var got Config
	if err := ParseConfigTOML(f, &got); err != nil {
		t.Fatalf("ParseConfigTOML(../agentlens.toml) = %v", err)
	}
	// The one thing it adds to the defaults is the built-in pii plugin.
	want := DefaultConfig()
	want.Plugins = []PluginConfig{{
		Name: "pii", Path: "bin/plugins/pii.wasm",
		EventTypes:  []string{"llm_call", "llm_response", "tool_call", "tool_response", "tool_error"},
		Timeout:     time.Second,
		MemoryLimit: 64 << 20,
		Config:      map[string]any{},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseConfigTOML(../agentlens.toml) =\n%+v\nwant DefaultConfig() with pii\n%+v", got, want)
	}
}

func TestShippedConfig_HasEveryKey(t *testing.T) {
	var m map[string]any
	md, err := toml.DecodeFile("../agentlens.toml", &m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range md.Keys() {
		got = append(got, k.String())
	}
	for key := range tomlKeys() {
		if !slices.Contains(got, key) {
			t.Errorf("../agentlens.toml lacks key %q", key)
		}
	}
}

func TestDefaultConfig_Valid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v, want nil", err)
	}
}

func TestLoadConfig_Precedence(t *testing.T) {
	const file = `
[server]
host = "10.0.0.1"
port = 4000
read_timeout = "7s"
[log]
level = "warn"
[retention]
days = 30
`
	type fields struct {
		host    string
		port    int
		level   string
		days    int
		timeout time.Duration
		auth    bool
	}
	def := DefaultConfig()
	defaults := fields{def.Server.Host, def.Server.Port, def.Log.Level, 0, 30 * time.Second, false}
	fromFile := fields{"10.0.0.1", 4000, "warn", 30, 7 * time.Second, false}

	tests := []struct {
		name   string
		toml   bool
		env    map[string]string
		args   []string
		want   fields
		secret string
	}{
		{name: "Defaults", want: defaults},
		{name: "TOMLOverDefaults", toml: true, want: fromFile},
		{
			name: "EnvOverDefaults",
			env:  map[string]string{"PORT": "5000", "LOG_LEVEL": "debug", "AUTH_DISABLED": "true"},
			want: fields{def.Server.Host, 5000, "debug", 0, 30 * time.Second, true},
		},
		{
			name: "EnvOverTOML",
			toml: true,
			env:  map[string]string{"PORT": "5000", "RETENTION_DAYS": "0", "HOST": "0.0.0.0"},
			want: fields{"0.0.0.0", 5000, "warn", 0, 7 * time.Second, false},
		},
		{
			name: "UnsetAndEmptyEnvKeepTOML",
			toml: true,
			env:  map[string]string{"HOST": "", "PORT": "", "LOG_LEVEL": ""},
			want: fromFile,
		},
		{
			name: "FlagOverEnvAndTOML",
			toml: true,
			env:  map[string]string{"PORT": "5000", "LOG_LEVEL": "debug"},
			args: []string{"--port", "6000", "--log-level=error", "--auth-disabled"},
			want: fields{"10.0.0.1", 6000, "error", 30, 7 * time.Second, true},
		},
		{
			name: "FlagFalseOverEnvTrue",
			env:  map[string]string{"AUTH_DISABLED": "true"},
			args: []string{"--auth-disabled=false"},
			want: defaults,
		},
		{
			name: "FlagsNotGivenKeepEnv",
			toml: true,
			env:  map[string]string{"PORT": "5000"},
			args: []string{"--host", "::1"},
			want: fields{"::1", 5000, "warn", 30, 7 * time.Second, false},
		},
		{
			name:   "SecretsFromEnv",
			env:    map[string]string{"AGENTLENS_SIGNING_KEY": "k3y"},
			want:   defaults,
			secret: "k3y",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inEmptyDir(t)
			args := tt.args
			if tt.toml {
				args = append([]string{"--config", writeTOML(t, file)}, args...)
			}
			cfg, err := LoadConfig(args, mapEnv(tt.env))
			if err != nil {
				t.Fatalf("LoadConfig(%q) = %v", args, err)
			}
			got := fields{
				cfg.Server.Host, cfg.Server.Port, cfg.Log.Level, cfg.Retention.Days,
				cfg.Server.ReadTimeout, cfg.Auth.Disabled,
			}
			if got != tt.want {
				t.Errorf("LoadConfig(%q) = %+v, want %+v", args, got, tt.want)
			}
			if cfg.Secrets.SigningKey != tt.secret {
				t.Errorf("LoadConfig(%q).Secrets.SigningKey = %q, want %q",
					args, cfg.Secrets.SigningKey, tt.secret)
			}
		})
	}
}

func TestLoadConfig_File(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.toml")
	byFlag := writeTOML(t, "[server]\nport = 4001\n")
	byEnv := writeTOML(t, "[server]\nport = 4002\n")

	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		implicit string // contents of ./agentlens.toml, if any
		wantPort int
		wantErr  string
	}{
		{name: "NoneAtAll", wantPort: 3400},
		{name: "Implicit", implicit: "[server]\nport = 4003\n", wantPort: 4003},
		{
			name:     "EnvOverImplicit",
			env:      map[string]string{"AGENTLENS_CONFIG": byEnv},
			implicit: "[server]\nport = 4003\n",
			wantPort: 4002,
		},
		{
			name:     "FlagOverEnv",
			args:     []string{"--config", byFlag},
			env:      map[string]string{"AGENTLENS_CONFIG": byEnv},
			wantPort: 4001,
		},
		{name: "EmptyEnvMeansNone", env: map[string]string{"AGENTLENS_CONFIG": ""}, wantPort: 3400},
		{name: "FlagMissing", args: []string{"--config", missing}, wantErr: missing},
		{
			name:    "EnvMissing",
			env:     map[string]string{"AGENTLENS_CONFIG": missing},
			wantErr: missing,
		},
		{
			name:     "ImplicitBad",
			implicit: "[server]\nprot = 1\n",
			wantErr:  `agentlens.toml: unknown key "server.prot"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inEmptyDir(t)
			if tt.implicit != "" {
				if err := os.WriteFile("agentlens.toml", []byte(tt.implicit), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := LoadConfig(tt.args, mapEnv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig(%q) = %v, want error containing %q",
						tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%q) = %v", tt.args, err)
			}
			if cfg.Server.Port != tt.wantPort {
				t.Errorf("LoadConfig(%q).Server.Port = %d, want %d",
					tt.args, cfg.Server.Port, tt.wantPort)
			}
		})
	}
}

func TestLoadConfig_BadEnv(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"PORT", "abc"},
		{"RETENTION_DAYS", "ten"},
		{"AUTH_DISABLED", "maybe"},
		{"PORT", "99999999999999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			inEmptyDir(t)
			env := map[string]string{
				"HOST":      "127.0.0.2", // a good variable looked up around the bad one
				tt.name:     tt.value,
				"LOG_LEVEL": "debug",
			}
			_, err := LoadConfig(nil, mapEnv(env))
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("LoadConfig with %s=%q = %v, want error naming %s",
					tt.name, tt.value, err, tt.name)
			}
		})
	}
}

func TestLoadConfig_Flags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		help    bool
	}{
		{name: "Help", args: []string{"-h"}, help: true},
		{name: "LongHelp", args: []string{"--help"}, help: true},
		{name: "Unknown", args: []string{"--prot", "1"}, wantErr: "prot"},
		{name: "BadPort", args: []string{"--port", "x"}, wantErr: "port"},
		{name: "Positional", args: []string{"extra"}, wantErr: `"extra"`},
		{name: "InvalidValue", args: []string{"--log-format", "xml"}, wantErr: "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inEmptyDir(t)
			_, err := LoadConfig(tt.args, mapEnv(nil))
			if tt.help {
				if !errors.Is(err, flag.ErrHelp) {
					t.Errorf("LoadConfig(%q) = %v, want flag.ErrHelp", tt.args, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadConfig(%q) = %v, want error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestPrintConfigUsage(t *testing.T) {
	var b bytes.Buffer
	PrintConfigUsage(&b)
	for _, name := range []string{
		"config", "host", "port", "db", "log-level", "log-format", "auth-disabled",
	} {
		if !strings.Contains(b.String(), "-"+name) {
			t.Errorf("PrintConfigUsage lacks -%s:\n%s", name, b.String())
		}
	}
}

func TestParseConfigTOML_UnknownKey(t *testing.T) {
	tests := []struct {
		name   string
		toml   string
		want   []string
		secret bool
	}{
		{name: "Misspelt", toml: "[server]\nprot = 1\n", want: []string{`"server.prot"`}},
		{name: "TopLevel", toml: "port = 1\n", want: []string{`"port"`}},
		{name: "Table", toml: "[srever]\nport = 1\nhost = \"x\"\n", want: []string{`"srever"`}},
		{name: "CaseMatters", toml: "[server]\nPort = 1\n", want: []string{`"server.Port"`}},
		{name: "Dotted", toml: "log.lvl = \"info\"\n", want: []string{`"log.lvl"`}},
		{
			name: "Several",
			toml: "[server]\nprot = 1\n[log]\nlvl = \"x\"\n",
			want: []string{`"server.prot"`, `"log.lvl"`},
		},
		{
			name:   "SecretTable",
			toml:   "[secrets]\nagentgate_webhook_secret = \"s3cr3t\"\n",
			want:   []string{`"secrets"`},
			secret: true,
		},
		{
			name:   "SecretKey",
			toml:   "[auth]\nsigning_key = \"s3cr3t\"\n",
			want:   []string{`"auth.signing_key"`},
			secret: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			err := ParseConfigTOML(strings.NewReader(tt.toml), &cfg)
			if err == nil {
				t.Fatalf("ParseConfigTOML(%q) = nil, want unknown key error", tt.toml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), "unknown key "+w) {
					t.Errorf("ParseConfigTOML(%q) = %v, want it to name %s", tt.toml, err, w)
				}
			}
			if got := strings.Count(err.Error(), "unknown key"); got != len(tt.want) {
				t.Errorf("ParseConfigTOML(%q) reports %d unknown keys, want %d: %v",
					tt.toml, got, len(tt.want), err)
			}
			if got := strings.Contains(err.Error(), "AGENTLENS_SIGNING_KEY"); got != tt.secret {
				t.Errorf("ParseConfigTOML(%q) = %v; secrets hint present = %v, want %v",
					tt.toml, err, got, tt.secret)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("ParseConfigTOML(%q) = %v, echoes the secret", tt.toml, err)
			}
			if !reflect.DeepEqual(cfg, DefaultConfig()) {
				t.Errorf("ParseConfigTOML(%q) changed cfg on error: %+v", tt.toml, cfg)
			}
		})
	}
}

func TestParseConfigTOML_Values(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		check   func(Config) bool
		wantErr string
	}{
		{
			name:  "Duration",
			toml:  "[server]\nidle_timeout = \"1m30s\"\n",
			check: func(c Config) bool { return c.Server.IdleTimeout == 90*time.Second },
		},
		{
			name:  "OnlyGivenKeysChange",
			toml:  "[store]\nhead_cache_size = 5\n",
			check: func(c Config) bool { return c.Store.Path == "./agentlens.db" },
		},
		{
			name:    "IntegerDuration",
			toml:    "[server]\nread_timeout = 5\n",
			wantErr: "server.read_timeout",
		},
		{name: "BadDuration", toml: "[server]\nread_timeout = \"5 s\"\n", wantErr: "5 s"},
		{name: "WrongType", toml: "[server]\nport = \"80\"\n", wantErr: "port"},
		{name: "Syntax", toml: "[server\n", wantErr: "toml: line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			err := ParseConfigTOML(strings.NewReader(tt.toml), &cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseConfigTOML(%q) = %v, want error containing %q",
						tt.toml, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConfigTOML(%q) = %v", tt.toml, err)
			}
			if !tt.check(cfg) {
				t.Errorf("ParseConfigTOML(%q) = %+v, check failed", tt.toml, cfg)
			}
		})
	}
}

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string // one entry per problem; empty means valid
	}{
		{name: "Default", modify: func(*Config) {}},
		{
			name: "Several",
			modify: func(c *Config) {
				c.Server.Port = 0
				c.Log.Level = "loud"
				c.Auth.CORSOrigin = "*,https://a.example"
				c.Store.Path = ""
			},
			want: []string{"server.port", "store.path", "auth.cors_origin", "log.level"},
		},
		{
			name: "Everything",
			modify: func(c *Config) {
				*c = Config{Retention: RetentionConfig{Days: -1}}
			},
			want: []string{
				"server.port", "server.body_limit", "server.read_header_timeout",
				"server.read_timeout", "server.write_timeout", "server.idle_timeout",
				"server.shutdown_timeout", "store.path", "store.head_cache_size",
				"auth.cors_origin", "ingest.max_batch_events", "ingest.max_payload_bytes",
				"ingest.max_metadata_bytes", "ingest.max_depth", "ingest.max_object_keys",
				"ingest.max_id_bytes", "server.rate_burst", "log.level", "log.format", "retention.days",
			},
		},
		{
			name:   "PortHigh",
			modify: func(c *Config) { c.Server.Port = 65536 },
			want:   []string{"server.port"},
		},
		{name: "PortMax", modify: func(c *Config) { c.Server.Port = 65535 }},
		{name: "BodyLimitMin", modify: func(c *Config) { c.Server.BodyLimit = 1024 }},
		{
			name:   "BodyLimitLow",
			modify: func(c *Config) { c.Server.BodyLimit = 1023 },
			want:   []string{"server.body_limit"},
		},
		{
			name:   "BatchHigh",
			modify: func(c *Config) { c.Ingest.MaxBatchEvents = 100001 },
			want:   []string{"ingest.max_batch_events"},
		},
		{name: "BatchMax", modify: func(c *Config) { c.Ingest.MaxBatchEvents = 100000 }},
		{
			name:   "PayloadLow",
			modify: func(c *Config) { c.Ingest.MaxPayloadBytes = 255 },
			want:   []string{"ingest.max_payload_bytes"},
		},
		{
			name:   "NegativeTimeout",
			modify: func(c *Config) { c.Server.WriteTimeout = -time.Second },
			want:   []string{"server.write_timeout"},
		},
		{
			name:   "LevelUpperCase",
			modify: func(c *Config) { c.Log.Level = "INFO" },
			want:   []string{"log.level"},
		},
		{name: "JSONFormat", modify: func(c *Config) { c.Log.Format = "json" }},
		{name: "RetentionSet", modify: func(c *Config) { c.Retention.Days = 90 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			err := cfg.Validate()
			got := unjoin(err)
			if len(got) != len(tt.want) {
				t.Fatalf("Validate() = %d problems, want %d (%q):\n%v",
					len(got), len(tt.want), tt.want, err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].Error(), w+":") {
					t.Errorf("Validate() problem %d = %q, want it about %s", i, got[i], w)
				}
			}
		})
	}
}

// unjoin returns the errors joined in err, or nil for nil.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestConfig_Validate_CORSOrigin(t *testing.T) {
	tests := []struct {
		origin string
		ok     bool
	}{
		{"*", true},
		{"https://app.example.com", true},
		{"http://localhost:5173", true},
		{"https://a.example, http://b.example:8080", true},
		{"http://[::1]:3000", true},
		{"", false},
		{" ", false},
		{"*,https://a.example", false},
		{"https://a.example,", false},
		{"app.example.com", false},
		{"ftp://a.example", false},
		{"https://a.example/", false},
		{"https://a.example/path", false},
		{"https://a.example?x=1", false},
		{"https://a.example#", false},
		{"https://user@a.example", false},
		{"https://a.example:", false},
		{"https://a.example:0", false},
		{"https://a.example:70000", false},
		{"https://", false},
		{"https://*.example.com", false},
		{"https://a_b.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Auth.CORSOrigin = tt.origin
			err := cfg.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate() with cors_origin %q = %v, want ok %v", tt.origin, err, tt.ok)
			}
		})
	}
}

func TestConfig_Addr(t *testing.T) {
	tests := []struct {
		host string
		port int
		want string
	}{
		{"127.0.0.1", 3400, "127.0.0.1:3400"},
		{"", 80, ":80"},
		{"::1", 8080, "[::1]:8080"},
		{"localhost", 1, "localhost:1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Server.Host, cfg.Server.Port = tt.host, tt.port
			if got := cfg.Addr(); got != tt.want {
				t.Errorf("Addr() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfig_LogValue(t *testing.T) {
	secrets := Secrets{
		AgentgateWebhookSecret:  "agentgate-s3cr3t",
		FormbridgeWebhookSecret: "formbridge-s3cr3t",
		GenericWebhookSecret:    "",
		SigningKey:              "signing-s3cr3t",
	}
	cfg := DefaultConfig()
	cfg.Secrets = secrets

	render := map[string]func() string{
		"Text": func() string {
			var b bytes.Buffer
			slog.New(slog.NewTextHandler(&b, nil)).Info("config", "config", cfg)
			return b.String()
		},
		"JSON": func() string {
			var b bytes.Buffer
			slog.New(slog.NewJSONHandler(&b, nil)).Info("config", slog.Any("config", cfg))
			return b.String()
		},
		"SecretsAlone": func() string {
			var b bytes.Buffer
			slog.New(slog.NewJSONHandler(&b, nil)).Info("s", "secrets", cfg.Secrets)
			return b.String()
		},
		"FmtV":     func() string { return fmt.Sprintf("%v", cfg) },
		"FmtPlusV": func() string { return fmt.Sprintf("%+v", cfg) },
		"FmtGoV":   func() string { return fmt.Sprintf("%#v", cfg) },
	}
	for name, r := range render {
		t.Run(name, func(t *testing.T) {
			out := r()
			for _, s := range []string{
				secrets.AgentgateWebhookSecret, secrets.FormbridgeWebhookSecret, secrets.SigningKey,
				"s3cr3t",
			} {
				if strings.Contains(out, s) {
					t.Errorf("output contains secret %q:\n%s", s, out)
				}
			}
			for _, want := range []string{"agentgate_webhook_secret", "set", "unset"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}

	// The config itself is still there.
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "config", cfg)
	for _, want := range []string{
		"config.server.port=3400", "config.log.level=info",
		"config.secrets.signing_key=set", "config.secrets.generic_webhook_secret=unset",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text log lacks %q:\n%s", want, b.String())
		}
	}
}

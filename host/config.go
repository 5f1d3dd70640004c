package host

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/sethvargo/go-envconfig"
)

// Config is the whole service configuration.
//
// [LoadConfig] builds it in the order DESIGN.md sets: [DefaultConfig], then the TOML
// file, then the environment, then command-line flags, and finally [Config.Validate].
// The zero Config is not valid (port 0, no store path); start from [DefaultConfig].
// A Config is a plain value: copies are independent and safe to share read-only.
//
// The toml tags give each field's key in agentlens.toml; the env tags give the
// environment variable that overrides it, where there is one.
type Config struct {
	Server    ServerConfig    `toml:"server"`
	Store     StoreConfig     `toml:"store"`
	Auth      AuthConfig      `toml:"auth"`
	Ingest    IngestConfig    `toml:"ingest"`
	Log       LogConfig       `toml:"log"`
	Retention RetentionConfig `toml:"retention"`

	// Plugins are the redaction plugins, run in this order on every event
	// they select before it is hashed ([[plugins]] tables).
	Plugins []PluginConfig `toml:"plugins"`

	// PluginRuntime configures what all plugins share ([plugin_runtime]).
	PluginRuntime PluginRuntimeConfig `toml:"plugin_runtime"`

	// Secrets come from the environment only: no TOML key sets them, and
	// [Config.LogValue] shows each one only as set or unset.
	Secrets Secrets `toml:"-"`
}

// ServerConfig is the HTTP listener ([server] in agentlens.toml).
type ServerConfig struct {
	// Host is the address to listen on. Default "127.0.0.1"; environment HOST;
	// flag --host. An empty host listens on every interface.
	Host string `toml:"host" env:"HOST"`

	// Port is the TCP port, 1–65535. Default 3400; environment PORT; flag --port.
	Port int `toml:"port" env:"PORT"`

	// BodyLimit is the largest request body accepted, in bytes; a larger body
	// gets 413. Default 10 MiB (10485760); at least 1024.
	BodyLimit int64 `toml:"body_limit"`

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// [net/http.Server] timeouts of the same names. Defaults 5s, 30s, 60s, 120s.
	ReadHeaderTimeout time.Duration `toml:"read_header_timeout"`
	ReadTimeout       time.Duration `toml:"read_timeout"`
	WriteTimeout      time.Duration `toml:"write_timeout"`
	IdleTimeout       time.Duration `toml:"idle_timeout"`

	// ShutdownTimeout bounds how long a graceful shutdown waits for requests in
	// flight before closing them. Default 15s.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`

	// RateLimit is how many requests per second one API key may make on
	// average before getting 429 with Retry-After; 0 turns the limit off.
	// Default 0.
	RateLimit float64 `toml:"rate_limit"`

	// RateBurst is how many requests one key may make at once above
	// RateLimit. Default 100; at least 1.
	RateBurst int `toml:"rate_burst"`
}

// StoreConfig is the event store ([store] in agentlens.toml).
type StoreConfig struct {
	// Path is the SQLite database file. Default "./agentlens.db";
	// environment DB_PATH; flag --db.
	Path string `toml:"path" env:"DB_PATH"`

	// HeadCacheSize is how many session heads the appender keeps in memory.
	// Default 10000; at least 1.
	HeadCacheSize int `toml:"head_cache_size"`
}

// AuthConfig is API authentication and CORS ([auth] in agentlens.toml).
type AuthConfig struct {
	// Disabled turns API-key checks off, for local development only; the host
	// logs a warning at startup when it is on. Default false;
	// environment AUTH_DISABLED; flag --auth-disabled.
	Disabled bool `toml:"disabled" env:"AUTH_DISABLED"`

	// CORSOrigin is the allowed browser origins: "*" alone, or a comma-separated
	// list of http(s)://host[:port] origins. Default "*"; environment CORS_ORIGIN.
	CORSOrigin string `toml:"cors_origin" env:"CORS_ORIGIN"`
}

// IngestConfig bounds what one write may carry ([ingest] in agentlens.toml).
type IngestConfig struct {
	// MaxBatchEvents is the most events one batch may hold, 1–100000. Default 1000.
	MaxBatchEvents int `toml:"max_batch_events"`

	// MaxPayloadBytes is the canonical payload size above which a payload is
	// replaced by a truncation stub before hashing (see DESIGN.md).
	// Default 10240; at least 256.
	MaxPayloadBytes int `toml:"max_payload_bytes"`

	// MaxMetadataBytes is the largest canonical metadata object accepted; a larger
	// one is rejected with 400. Default 10240; at least 256.
	MaxMetadataBytes int `toml:"max_metadata_bytes"`

	// MaxDepth is how deeply a payload or metadata may nest objects and arrays
	// (the outermost object counts as one); deeper input gets 400. Default 64;
	// 2-1000.
	MaxDepth int `toml:"max_depth"`

	// MaxObjectKeys is how many members any one object in a payload or metadata
	// may have; more get 400. Default 10000; at least 16.
	MaxObjectKeys int `toml:"max_object_keys"`

	// MaxIDBytes bounds sessionId and agentId in bytes of UTF-8; longer ones get
	// 400. Default 256; 1-4096.
	MaxIDBytes int `toml:"max_id_bytes"`
}

// LogConfig is the service log ([log] in agentlens.toml).
type LogConfig struct {
	// Level is one of "debug", "info", "warn", "error" (lower case).
	// Default "info"; environment LOG_LEVEL; flag --log-level.
	Level string `toml:"level" env:"LOG_LEVEL"`

	// Format is "text" or "json". Default "text"; environment LOG_FORMAT;
	// flag --log-format.
	Format string `toml:"format" env:"LOG_FORMAT"`
}

// RetentionConfig is the retention job ([retention] in agentlens.toml).
type RetentionConfig struct {
	// Days is how long events are kept; older chain prefixes are anchored and
	// removed hourly. 0 keeps events forever. Default 0; environment RETENTION_DAYS.
	Days int `toml:"days" env:"RETENTION_DAYS"`
}

// PluginConfig is one redaction plugin ([[plugins]] in agentlens.toml).
type PluginConfig struct {
	// Name identifies the plugin in errors and in the redaction records of
	// the events it changes. Required, unique.
	Name string `toml:"name"`

	// Path is the WebAssembly module; a relative path is relative to the
	// directory of the configuration file. Required.
	Path string `toml:"path"`

	// EventTypes selects the events the plugin runs on; empty means all.
	EventTypes []string `toml:"event_types"`

	// Timeout bounds one call on one event. Default 100ms.
	Timeout time.Duration `toml:"timeout"`

	// MemoryLimit caps the plugin's memory, in bytes. Default 64 MiB.
	MemoryLimit int64 `toml:"memory_limit"`

	// DebugOutput sends the plugin's stdout and stderr, size-capped, to the
	// debug log; off, they are discarded, since a plugin may print what it
	// redacts. Default false.
	DebugOutput bool `toml:"debug_output"`

	// Config is handed to the plugin's init as JSON.
	Config map[string]any `toml:"config"`
}

// PluginRuntimeConfig is what all plugins share ([plugin_runtime]).
type PluginRuntimeConfig struct {
	// CacheDir keeps compiled plugins between starts, which cuts a Go-built
	// plugin's start from about a second to milliseconds. Default "" means
	// a directory named .agentlens-plugin-cache next to the database.
	CacheDir string `toml:"cache_dir"`
}

// Secrets are read from the environment only, never from agentlens.toml, and
// are never logged or printed: [Secrets.LogValue], String and GoString show
// each one only as set or unset. An empty variable counts as unset.
type Secrets struct {
	// AgentgateWebhookSecret verifies AgentGate webhook signatures; when unset,
	// AgentGate deliveries get 500 naming the missing setting.
	AgentgateWebhookSecret string `env:"AGENTGATE_WEBHOOK_SECRET"`

	// FormbridgeWebhookSecret verifies FormBridge webhook signatures; when unset,
	// FormBridge deliveries get 500 naming the missing setting.
	FormbridgeWebhookSecret string `env:"FORMBRIDGE_WEBHOOK_SECRET"`

	// GenericWebhookSecret verifies generic webhook signatures; when unset, generic
	// deliveries need an API key with webhook:write.
	GenericWebhookSecret string `env:"GENERIC_WEBHOOK_SECRET"`

	// SigningKey is the Ed25519 key that signs exports and retention anchors;
	// when unset, the host generates one and keeps it in the database.
	SigningKey string `env:"AGENTLENS_SIGNING_KEY"`
}

const (
	// defaultConfigPath is read when no file is named; its absence is fine.
	defaultConfigPath = "agentlens.toml"

	// envConfigPath names the config file when --config is not given.
	envConfigPath = "AGENTLENS_CONFIG"

	secretsHint = "secrets come only from the environment (AGENTGATE_WEBHOOK_SECRET, " +
		"FORMBRIDGE_WEBHOOK_SECRET, GENERIC_WEBHOOK_SECRET, AGENTLENS_SIGNING_KEY)"
)

// DefaultConfig returns the built-in defaults, the values agentlens.toml ships with.
// It has no secrets. It passes [Config.Validate].
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{
			Host:              "127.0.0.1",
			Port:              3400,
			BodyLimit:         10 << 20,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   15 * time.Second,
			RateBurst:         100,
		},
		Store: StoreConfig{
			Path:          "./agentlens.db",
			HeadCacheSize: 10000,
		},
		Auth: AuthConfig{
			CORSOrigin: "*",
		},
		Ingest: IngestConfig{
			MaxBatchEvents:   1000,
			MaxPayloadBytes:  10240,
			MaxMetadataBytes: 10240,
			MaxDepth:         64,
			MaxObjectKeys:    10000,
			MaxIDBytes:       256,
		},
		Log: LogConfig{
			Level:  "info",
			Format: "text",
		},
	}
}

// LoadConfig builds the configuration: defaults, then the TOML file, then env, then flags.
// args are the command-line flags after the subcommand (e.g. os.Args[2:] of `agentlens serve`),
// lookup is the environment (os.LookupEnv in production, a map in tests); nil means
// os.LookupEnv.
//
// The file is the one --config names, else the one AGENTLENS_CONFIG names, else
// ./agentlens.toml if it exists, else none. A named file that cannot be read is an
// error; an empty name counts as not naming one. Environment variables that are unset
// or empty leave the value from the file alone, and only flags actually given
// override. The result is checked with [Config.Validate].
//
// # Errors
//
// On any error LoadConfig returns the zero Config, and the caller should exit
// non-zero with the message. For -h or --help the error wraps [flag.ErrHelp]: print
// [PrintConfigUsage] and exit. Other flag errors name the flag, TOML errors start with
// the file's path, malformed environment values name the variable, and validation
// errors list every problem, each naming its key.
func LoadConfig(args []string, lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}

	var fv flagValues
	flags := newFlagSet(&fv)
	if err := flags.Parse(args); err != nil {
		return Config{}, fmt.Errorf("parse flags: %w", err)
	}
	if flags.NArg() > 0 {
		return Config{}, fmt.Errorf("parse flags: unexpected argument %q", flags.Arg(0))
	}

	cfg := DefaultConfig()
	if err := loadConfigFile(&cfg, fv.config, lookup); err != nil {
		return Config{}, err
	}
	if err := applyEnv(&cfg, lookup); err != nil {
		return Config{}, err
	}
	fv.apply(flags, &cfg)

	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// loadConfigFile parses the config file chosen by flag, environment or default
// over cfg. The implicit ./agentlens.toml may be missing; a named file may not.
func loadConfigFile(cfg *Config, flagPath string, lookup func(string) (string, bool)) error {
	path, named := flagPath, flagPath != ""
	if !named {
		path, _ = lookup(envConfigPath)
		named = path != ""
	}
	if !named {
		path = defaultConfigPath
	}

	f, err := os.Open(path)
	if !named && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	defer f.Close()

	if err := ParseConfigTOML(f, cfg); err != nil {
		return prefixErrors(path, err)
	}
	// Plugin paths are relative to the file that names them.
	for i := range cfg.Plugins {
		if p := cfg.Plugins[i].Path; p != "" && !filepath.IsAbs(p) {
			cfg.Plugins[i].Path = filepath.Join(filepath.Dir(path), p)
		}
	}
	return nil
}

// prefixErrors puts prefix before err, or before each error err joins, so that
// every line of the message says where it came from.
func prefixErrors(prefix string, err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	var errs []error
	for _, e := range joined.Unwrap() {
		errs = append(errs, fmt.Errorf("%s: %w", prefix, e))
	}
	return errors.Join(errs...)
}

// ParseConfigTOML reads TOML from r over cfg; an unknown key is an error that names it
// (`unknown key "server.prot"`, which [LoadConfig] prefixes with the file's path).
// Keys absent from the TOML keep their value in cfg, so callers pass [DefaultConfig]
// (or a zero Config to see exactly what the file sets). On any error cfg is left
// unchanged.
//
// Keys match exactly, case included. Every unknown key is reported, joined with
// [errors.Join]; one that looks like a secret adds that secrets come only from the
// environment. Durations must be strings such as "5s" ([time.ParseDuration]); a bare
// integer is rejected rather than read as nanoseconds. It does not validate values:
// call [Config.Validate].
func ParseConfigTOML(r io.Reader, cfg *Config) error {
	next := *cfg
	md, err := toml.NewDecoder(r).Decode(&next)
	if err != nil {
		return err
	}

	known := tomlKeys()
	var errs []error
	for _, key := range md.Keys() {
		name := key.String()
		typ, ok := known[name]
		switch {
		case underMap(known, key):
			// A free-form table, such as a plugin's config.
		case !ok && len(key) > 1 && !isKnown(known, key[:len(key)-1]):
			// The parent table is unknown and already reported.
		case !ok && looksSecret(key[len(key)-1]):
			errs = append(errs, fmt.Errorf("unknown key %q: %s", name, secretsHint))
		case !ok:
			errs = append(errs, fmt.Errorf("unknown key %q", name))
		case typ == reflect.TypeFor[time.Duration]() && md.Type(key...) != "String":
			errs = append(errs, fmt.Errorf("%s: duration must be a string such as \"5s\"", name))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	*cfg = next
	return nil
}

// tomlKeys maps every TOML key of Config, tables included ("server",
// "server.port"), to its Go type.
func tomlKeys() map[string]reflect.Type {
	keys := make(map[string]reflect.Type)
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "-" || name == "" {
				continue
			}
			key := prefix + name
			keys[key] = f.Type
			switch {
			case f.Type.Kind() == reflect.Struct:
				walk(key+".", f.Type)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				walk(key+".", f.Type.Elem()) // an array of tables
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
	return keys
}

// pluginNames lists the configured plugins for the log; their config
// tables are not logged.
func pluginNames(plugins []PluginConfig) []string {
	names := make([]string, len(plugins))
	for i, p := range plugins {
		names[i] = p.Name
	}
	return names
}

// underMap reports whether key lies inside a table that decodes into a map.
func underMap(known map[string]reflect.Type, key toml.Key) bool {
	for i := 1; i < len(key); i++ {
		if t, ok := known[key[:i].String()]; ok && t.Kind() == reflect.Map {
			return true
		}
	}
	return false
}

func isKnown(known map[string]reflect.Type, key toml.Key) bool {
	_, ok := known[key.String()]
	return ok
}

// looksSecret reports whether a TOML key name looks like it was meant to hold a secret.
func looksSecret(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"secret", "key", "token", "password"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// applyEnv overrides cfg with the environment variables named in Config's env
// tags. Unset and empty variables leave the current value alone.
func applyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	// envconfig names the Go field of a value it cannot decode, not the variable,
	// so remember the last variable found: it is the one being decoded when
	// envconfig fails, since it looks each one up just before decoding it.
	var last string
	l := envconfig.LookuperFunc(func(key string) (string, bool) {
		v, ok := lookup(key)
		if ok {
			last = key
		}
		return v, ok
	})

	err := envconfig.ProcessWith(context.Background(), &envconfig.Config{
		Target:           cfg,
		Lookuper:         l,
		DefaultOverwrite: true,
	})
	if err != nil && last != "" {
		return fmt.Errorf("environment variable %s: %w", last, err)
	}
	if err != nil {
		return fmt.Errorf("read environment: %w", err)
	}
	return nil
}

// flagValues holds the parsed command-line flags before they are applied.
type flagValues struct {
	config       string
	host         string
	port         int
	db           string
	logLevel     string
	logFormat    string
	authDisabled bool
}

// newFlagSet defines the configuration flags on a fresh, silent FlagSet. The
// defaults shown by [PrintConfigUsage] are the built-in ones.
func newFlagSet(fv *flagValues) *flag.FlagSet {
	d := DefaultConfig()
	flags := flag.NewFlagSet("agentlens", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.StringVar(&fv.config, "config", "",
		"TOML config `file` (env AGENTLENS_CONFIG; default ./agentlens.toml if it exists)")
	flags.StringVar(&fv.host, "host", d.Server.Host, "listen `address` (env HOST)")
	flags.IntVar(&fv.port, "port", d.Server.Port, "listen `port` (env PORT)")
	flags.StringVar(&fv.db, "db", d.Store.Path, "SQLite database `path` (env DB_PATH)")
	flags.StringVar(&fv.logLevel, "log-level", d.Log.Level,
		"log `level`: debug, info, warn or error (env LOG_LEVEL)")
	flags.StringVar(&fv.logFormat, "log-format", d.Log.Format,
		"log `format`: text or json (env LOG_FORMAT)")
	flags.BoolVar(&fv.authDisabled, "auth-disabled", d.Auth.Disabled,
		"disable API-key checks, for local development only (env AUTH_DISABLED)")
	return flags
}

// apply copies into cfg the flags that were given on the command line.
func (fv *flagValues) apply(flags *flag.FlagSet, cfg *Config) {
	flags.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "host":
			cfg.Server.Host = fv.host
		case "port":
			cfg.Server.Port = fv.port
		case "db":
			cfg.Store.Path = fv.db
		case "log-level":
			cfg.Log.Level = fv.logLevel
		case "log-format":
			cfg.Log.Format = fv.logFormat
		case "auth-disabled":
			cfg.Auth.Disabled = fv.authDisabled
		}
	})
}

// PrintConfigUsage writes the configuration flags [LoadConfig] accepts, with their
// defaults, to w; call it when LoadConfig returns an error wrapping [flag.ErrHelp].
func PrintConfigUsage(w io.Writer) {
	flags := newFlagSet(new(flagValues))
	flags.SetOutput(w)
	flags.PrintDefaults()
}

// Limits checked by [Config.Validate].
const (
	minBodyLimit      = 1024
	maxBatchEventsCap = 100000
	minPayloadBytes   = 256
	minMetadataBytes  = 256
)

// Validate reports every problem at once (errors.Join), not just the first.
// Each problem is a separate joined error naming the TOML key it concerns.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}

	s := c.Server
	check(s.Port >= 1 && s.Port <= 65535, "server.port: %d is outside 1-65535", s.Port)
	check(s.BodyLimit >= minBodyLimit,
		"server.body_limit: %d is below the minimum of %d bytes", s.BodyLimit, minBodyLimit)
	for _, d := range []struct {
		key string
		val time.Duration
	}{
		{"server.read_header_timeout", s.ReadHeaderTimeout},
		{"server.read_timeout", s.ReadTimeout},
		{"server.write_timeout", s.WriteTimeout},
		{"server.idle_timeout", s.IdleTimeout},
		{"server.shutdown_timeout", s.ShutdownTimeout},
	} {
		check(d.val > 0, "%s: %s is not a positive duration", d.key, d.val)
	}

	check(c.Store.Path != "", "store.path: must not be empty")
	check(c.Store.HeadCacheSize >= 1,
		"store.head_cache_size: %d is below the minimum of 1", c.Store.HeadCacheSize)

	errs = append(errs, validateCORSOrigin(c.Auth.CORSOrigin)...)

	in := c.Ingest
	check(in.MaxBatchEvents >= 1 && in.MaxBatchEvents <= maxBatchEventsCap,
		"ingest.max_batch_events: %d is outside 1-%d", in.MaxBatchEvents, maxBatchEventsCap)
	check(in.MaxPayloadBytes >= minPayloadBytes,
		"ingest.max_payload_bytes: %d is below the minimum of %d",
		in.MaxPayloadBytes, minPayloadBytes)
	check(in.MaxMetadataBytes >= minMetadataBytes,
		"ingest.max_metadata_bytes: %d is below the minimum of %d",
		in.MaxMetadataBytes, minMetadataBytes)
	check(in.MaxDepth >= 2 && in.MaxDepth <= 1000, "ingest.max_depth: %d is outside 2-1000", in.MaxDepth)
	check(in.MaxObjectKeys >= 16, "ingest.max_object_keys: %d is below the minimum of 16", in.MaxObjectKeys)
	check(in.MaxIDBytes >= 1 && in.MaxIDBytes <= 4096,
		"ingest.max_id_bytes: %d is outside 1-4096", in.MaxIDBytes)
	check(c.Server.RateLimit >= 0, "server.rate_limit: %v is negative", c.Server.RateLimit)
	check(c.Server.RateBurst >= 1, "server.rate_burst: %d is below the minimum of 1", c.Server.RateBurst)

	check(slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level),
		"log.level: %q is not debug, info, warn or error", c.Log.Level)
	check(c.Log.Format == "text" || c.Log.Format == "json",
		"log.format: %q is not text or json", c.Log.Format)

	check(c.Retention.Days >= 0, "retention.days: %d is negative", c.Retention.Days)

	names := map[string]bool{}
	for i, p := range c.Plugins {
		key := fmt.Sprintf("plugins[%d]", i)
		check(p.Name != "", "%s.name: must not be empty", key)
		check(!names[p.Name], "%s.name: %q is used by an earlier plugin", key, p.Name)
		names[p.Name] = true
		check(p.Path != "", "%s.path: must not be empty", key)
		check(p.Timeout >= 0, "%s.timeout: %s is negative", key, p.Timeout)
		check(p.MemoryLimit >= 0, "%s.memory_limit: %d is negative", key, p.MemoryLimit)
	}

	return errors.Join(errs...)
}

// validateCORSOrigin checks that v is "*" alone or a comma-separated list of
// http(s)://host[:port] origins, returning one error per bad entry.
func validateCORSOrigin(v string) []error {
	const key = "auth.cors_origin"
	if v == "*" {
		return nil
	}
	if strings.TrimSpace(v) == "" {
		return []error{fmt.Errorf("%s: must be \"*\" or a list of origins", key)}
	}

	var errs []error
	for origin := range strings.SplitSeq(v, ",") {
		origin = strings.TrimSpace(origin)
		if origin == "*" {
			errs = append(errs, fmt.Errorf("%s: \"*\" must stand alone, not in a list", key))
			continue
		}
		if !isOrigin(origin) {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s)://host[:port] origin",
				key, origin))
		}
	}
	return errs
}

// isOrigin reports whether s is exactly scheme://host[:port] with an http or https
// scheme: no user info, path, query or fragment, as a browser sends it in Origin.
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return false
	}
	if s != u.Scheme+"://"+u.Host || !isHostname(u.Hostname()) {
		return false
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(p)
		return err == nil && n >= 1 && n <= 65535
	}
	return true
}

// isHostname reports whether h is an IP address or a DNS name of letters, digits,
// hyphens and dots; a wildcard such as "*.example.com" is not one.
func isHostname(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	return !strings.ContainsFunc(h, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '.')
	})
}

// Addr returns host:port, bracketing an IPv6 host, ready for [net.Listen].
func (c Config) Addr() string {
	return net.JoinHostPort(c.Server.Host, strconv.Itoa(c.Server.Port))
}

// LogValue makes slog print the config with secrets shown only as set/unset.
// Keys are the TOML keys, grouped by table.
func (c Config) LogValue() slog.Value {
	s := c.Server
	return slog.GroupValue(
		slog.Group("server",
			slog.String("host", s.Host),
			slog.Int("port", s.Port),
			slog.Int64("body_limit", s.BodyLimit),
			slog.Duration("read_header_timeout", s.ReadHeaderTimeout),
			slog.Duration("read_timeout", s.ReadTimeout),
			slog.Duration("write_timeout", s.WriteTimeout),
			slog.Duration("idle_timeout", s.IdleTimeout),
			slog.Duration("shutdown_timeout", s.ShutdownTimeout),
			slog.Float64("rate_limit", s.RateLimit),
			slog.Int("rate_burst", s.RateBurst),
		),
		slog.Group("store",
			slog.String("path", c.Store.Path),
			slog.Int("head_cache_size", c.Store.HeadCacheSize),
		),
		slog.Group("auth",
			slog.Bool("disabled", c.Auth.Disabled),
			slog.String("cors_origin", c.Auth.CORSOrigin),
		),
		slog.Group("ingest",
			slog.Int("max_batch_events", c.Ingest.MaxBatchEvents),
			slog.Int("max_payload_bytes", c.Ingest.MaxPayloadBytes),
			slog.Int("max_metadata_bytes", c.Ingest.MaxMetadataBytes),
			slog.Int("max_depth", c.Ingest.MaxDepth),
			slog.Int("max_object_keys", c.Ingest.MaxObjectKeys),
			slog.Int("max_id_bytes", c.Ingest.MaxIDBytes),
		),
		slog.Group("log",
			slog.String("level", c.Log.Level),
			slog.String("format", c.Log.Format),
		),
		slog.Group("retention",
			slog.Int("days", c.Retention.Days),
		),
		slog.Any("plugins", pluginNames(c.Plugins)),
		slog.String("plugin_cache_dir", c.PluginRuntime.CacheDir),
		// Resolved here rather than left to the handler, so that a handler which
		// does not resolve nested LogValuers still cannot print a secret.
		slog.Attr{Key: "secrets", Value: c.Secrets.LogValue()},
	)
}

// LogValue shows each secret only as "set" or "unset".
func (s Secrets) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("agentgate_webhook_secret", setOrUnset(s.AgentgateWebhookSecret)),
		slog.String("formbridge_webhook_secret", setOrUnset(s.FormbridgeWebhookSecret)),
		slog.String("generic_webhook_secret", setOrUnset(s.GenericWebhookSecret)),
		slog.String("signing_key", setOrUnset(s.SigningKey)),
	)
}

// String shows each secret only as set or unset, so that fmt's %v and %+v of a
// Config cannot print one.
func (s Secrets) String() string {
	return s.LogValue().String()
}

// GoString is String for fmt's %#v.
func (s Secrets) GoString() string {
	return "host.Secrets" + s.String()
}

func setOrUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return "set"
}

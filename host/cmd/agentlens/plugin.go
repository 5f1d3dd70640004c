package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/agentlens/agentlens-go/plugins"
	"github.com/agentlens/agentlens-go/store/chain"
)

const pluginUsage = `usage: agentlens plugin test --plugin FILE [--config FILE] --event FILE

Runs one plugin once on one event and prints the output payload, the
findings, the time of the call and what the plugin printed. The event file
is {"eventType", "sessionId"?, "agentId"?, "payload", "metadata"?}; the
config file is the JSON handed to the plugin's init. Exit 1 when the plugin
rejects the event or fails.
`

// pluginCmd is the tool for plugin authors.
func pluginCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprint(stderr, pluginUsage)
		return exitError
	}
	fs := flag.NewFlagSet("plugin test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wasm := fs.String("plugin", "", "the plugin's .wasm `file`")
	configPath := fs.String("config", "", "JSON `file` handed to the plugin's init")
	eventPath := fs.String("event", "", "JSON `file` of the event")
	if err := fs.Parse(args[1:]); err != nil || *wasm == "" || *eventPath == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, pluginUsage)
		return exitError
	}

	event, err := readTestEvent(*eventPath)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens plugin test: %v\n", err)
		return exitError
	}
	cfg := plugins.Config{Name: "test", Path: *wasm}
	if *configPath != "" {
		raw, err := os.ReadFile(*configPath)
		if err == nil {
			err = json.Unmarshal(raw, &cfg.Settings)
		}
		if err != nil {
			fmt.Fprintf(stderr, "agentlens plugin test: config: %v\n", err)
			return exitError
		}
	}

	res, runErr := plugins.Test(ctx, plugins.RuntimeConfig{}, cfg, event)
	fmt.Fprintf(stdout, "time:     %s\n", res.Duration)
	if len(res.Stdout) > 0 {
		fmt.Fprintf(stdout, "stdout:\n%s\n", res.Stdout)
	}
	if len(res.Stderr) > 0 {
		fmt.Fprintf(stdout, "stderr:\n%s\n", res.Stderr)
	}
	if runErr != nil {
		fmt.Fprintf(stdout, "FAILED:   %v\n", runErr)
		return exitFailed
	}
	findings, _ := json.Marshal(res.Findings)
	fmt.Fprintf(stdout, "changed:  %v\nfindings: %s\npayload:  %s\n", res.Changed, findings, res.Payload)
	return exitOK
}

// readTestEvent reads an event file into a plugin input, payload and
// metadata in canonical form as the service would hand them over.
func readTestEvent(path string) (plugins.Input, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return plugins.Input{}, err
	}
	var ev struct {
		EventType string          `json:"eventType"`
		SessionID string          `json:"sessionId"`
		AgentID   string          `json:"agentId"`
		Payload   json.RawMessage `json:"payload"`
		Metadata  json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return plugins.Input{}, fmt.Errorf("event: %w", err)
	}
	in := plugins.Input{EventType: ev.EventType, SessionID: ev.SessionID, AgentID: ev.AgentID, Metadata: []byte("{}")}
	if in.Payload, err = chain.CanonicalObject(ev.Payload, "payload"); err != nil {
		return plugins.Input{}, fmt.Errorf("event: %w", err)
	}
	if ev.Metadata != nil {
		if in.Metadata, err = chain.CanonicalObject(ev.Metadata, "metadata"); err != nil {
			return plugins.Input{}, fmt.Errorf("event: %w", err)
		}
	}
	return in, nil
}

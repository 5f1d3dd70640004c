package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/agentlens/agentlens-go/host"
)

// serve runs the service until ctx is cancelled (SIGINT or SIGTERM).
func serve(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, err := host.LoadConfig(args, os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "usage: agentlens serve [flags]")
		host.PrintConfigUsage(stderr)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "agentlens: configuration: %v\n", err)
		return exitError
	}
	log := host.NewLogger(cfg.Log, stderr)
	log.Info("starting", slog.String("version", versionString()), slog.Any("config", cfg))
	if len(cfg.Plugins) == 0 {
		log.Warn("no redaction plugins are configured: payloads are stored as they are sent")
	}
	if cfg.Auth.Disabled {
		log.Warn("AUTHENTICATION IS DISABLED: every route is open and events are written as " +
			"\"anonymous\"; use AUTH_DISABLED=true for development only")
	}

	h, err := host.New(ctx, cfg, log)
	if err != nil {
		log.Error("start failed", slog.Any("error", err))
		return exitFailed
	}

	// SIGHUP reloads the plugin set from the configuration as it is now.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			next, err := host.LoadConfig(args, os.LookupEnv)
			if err == nil {
				err = h.ReloadPlugins(ctx, next)
			}
			if err != nil {
				log.Error("plugin reload failed; the running plugins stay", slog.Any("error", err))
			}
		}
	}()

	if err := h.Run(ctx, nil); err != nil {
		log.Error("server stopped with an error", slog.Any("error", err))
		return exitFailed
	}
	return exitOK
}

// versionString is the linked version, or the module version of a
// `go install` build.
func versionString() string {
	if host.Version != "dev" {
		return host.Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return host.Version
}

"""The Slack adapter: slack-bolt AsyncApp, Block Kit rendering, OAuth installs, Socket Mode."""

"""Pages a leader's browser opens from a link the bot gave them: Microsoft sign-in and the data export."""

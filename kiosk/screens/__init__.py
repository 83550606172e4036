"""The kiosk's screens, one module each, built from the shared pieces in `parts` and styled
by `style`; `kiosk.widgets` stacks them in the window."""

"""The touchscreen ticket machine (取号机)."""

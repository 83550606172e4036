"""The `jiaohao` command line."""

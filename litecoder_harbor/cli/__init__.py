"""The `litecoder` command line (`main.app`); one module per stage."""

"""Stand-in servers and scripted agents the tests drive real code against."""

"""The demo district (Cut Bank School District) and the scripted tour run by ``make demo``."""

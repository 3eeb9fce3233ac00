"""The live queue of open threats and the supervisor's detail and triage pane."""

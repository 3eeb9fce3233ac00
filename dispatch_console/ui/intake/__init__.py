"""The threat intake form: what a call-taker types while the caller is still on the line.

``tab.build_intake_tab`` wires it into the main window (menus, shortcuts, draft recovery at sign-in);
``form.IntakeForm`` is the form itself; ``suspects.SuspectPanel`` one suspect; ``drafts_dialog`` the recovery dialog.
"""

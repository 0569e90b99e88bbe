"""The timeline's own records besides activities: users' comments (crm.timeline.comment.*), applications'
log messages (crm.timeline.logmessage.*), their bindings (crm.timeline.bindings.*), notes on comments and
activities (crm.timeline.note.*) and applications' content blocks on records (crm.timeline.layout.blocks.*).
"""

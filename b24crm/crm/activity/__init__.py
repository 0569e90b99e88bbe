"""Activities (crm.activity.*): the rules, their fields, rendering, access, files and mail."""

from b24crm.cli import main

main()

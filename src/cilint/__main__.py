from cilint.linter.cli import main

main()

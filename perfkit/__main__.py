from perfkit.extras import main

main()

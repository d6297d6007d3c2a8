module acme5g.test/nf

go 1.19

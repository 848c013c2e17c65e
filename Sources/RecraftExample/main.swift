print("the Swift example lands with the core")

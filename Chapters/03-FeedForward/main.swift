print("chapter placeholder")

print("tbctl")

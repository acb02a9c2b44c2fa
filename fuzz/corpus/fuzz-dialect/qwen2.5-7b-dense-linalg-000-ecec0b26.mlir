#q  = affine_map<(b, h, n, d) -> (b, h, d)>
#k  = affine_map<(b, h, n, d) -> (b, h floordiv 7, n, d)>
#s  = affine_map<(b, h, n, d) -> (b, h, n)>
#e3 = affine_map<(b, h, n) -> (b, h, n)>
#p  = affine_map<(b, h, d, n) -> (b, h, n)>
#v  = affine_map<(b, h, d, n) -> (b, h floordiv 7, n, d)>
#o  = affine_map<(b, h, d, n) -> (b, h, d)>
